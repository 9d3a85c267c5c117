#pragma once

namespace stagegate {

// An overload set of lambdas, for std::visit: `std::visit(Overloaded{[](const A&) {...}, [](const B&)
// {...}}, value)`. Where every alternative must be decided, give one lambda per alternative and no
// generic (`auto`) one: a new alternative then does not compile until it is handled there.
template <class... Lambdas> struct Overloaded : Lambdas... { using Lambdas::operator()...; };

} // namespace stagegate
