#include "provision/tls_material.hpp"

#include "util/files.hpp"

#include <fmt/format.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <functional>
#include <initializer_list>
#include <sys/stat.h>
#include <unistd.h>

namespace stagegate {

namespace fs = std::filesystem;

namespace {

template <auto free_fn> struct Free {
    template <class T> void operator()(T* pointer) const { free_fn(pointer); }
};
using Key = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using KeyContext = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX_free>>;
using Cert = std::unique_ptr<X509, Free<X509_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION_free>>;
using BigNumber = std::unique_ptr<BIGNUM, Free<BN_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, Free<GENERAL_NAMES_free>>;
using GeneralName = std::unique_ptr<GENERAL_NAME, Free<GENERAL_NAME_free>>;
using Bio = std::unique_ptr<BIO, Free<BIO_free>>;
using Owner = std::pair<uid_t, gid_t>;

constexpr long k_hour = 3600;
constexpr long k_day = 24 * k_hour;
constexpr std::size_t k_max_common_name = 64; // ub-common-name (RFC 5280); OpenSSL refuses longer

// Seconds from now.
struct Validity {
    long not_before = 0;
    long not_after = 0;
};
// An hour back, so a server or client whose clock is a little behind still accepts it.
constexpr Validity k_current{-k_hour, -k_hour + 2 * k_day};
constexpr Validity k_expired{-30 * k_day, -k_day};

// Returns "<what>: <OpenSSL's first queued error>" and empties the queue, so a later failure
// never reports this one's cause.
std::string openssl_failure(std::string_view what) {
    unsigned long code = ERR_get_error();
    std::array<char, 256> text{};
    if (code != 0)
        ERR_error_string_n(code, text.data(), text.size());
    ERR_clear_error();
    return fmt::format("{}: {}", what, code != 0 ? text.data() : "no OpenSSL error queued");
}

// A subjectAltName entry: an IP address (its 4 or 16 bytes) or, with no bytes, a DNS name.
struct AltName {
    std::string text;
    std::vector<unsigned char> ip;
};

std::vector<unsigned char> ip_bytes(std::string_view text) {
    std::string host(text);
    std::array<unsigned char, 16> bytes{};
    if (::inet_pton(AF_INET, host.c_str(), bytes.data()) == 1)
        return {bytes.begin(), bytes.begin() + 4};
    if (::inet_pton(AF_INET6, host.c_str(), bytes.data()) == 1)
        return {bytes.begin(), bytes.end()};
    return {};
}

bool same_name(const AltName& a, const AltName& b) {
    if (!a.ip.empty() || !b.ip.empty())
        return a.ip == b.ip;
    return a.text.size() == b.text.size() && ::strncasecmp(a.text.c_str(), b.text.c_str(), a.text.size()) == 0;
}

std::vector<AltName> alt_names_for(std::span<const std::string> names, CertificateKind kind) {
    std::vector<AltName> entries;
    auto add = [&](std::string_view text) {
        AltName entry{std::string(text), ip_bytes(text)};
        if (text.empty() || std::ranges::any_of(entries, [&](const AltName& seen) { return same_name(seen, entry); }))
            return;
        entries.push_back(std::move(entry));
    };
    if (kind == CertificateKind::wrong_name) {
        add("wrong-name.invalid");
        add("127.0.0.1");
        return entries;
    }
    for (const auto& name : names)
        add(name);
    add("127.0.0.1");
    add("localhost");
    return entries;
}

// Returns the first entry that fits in a CN: a client that still falls back to the CN then
// checks against a name the certificate was really made for (wrong-name.invalid for wrong_name).
std::string common_name_for(const std::vector<AltName>& entries) {
    for (const auto& entry : entries) {
        if (entry.text.size() <= k_max_common_name)
            return entry.text;
    }
    return "localhost";
}

std::expected<Key, std::string> make_key() {
    KeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* key = nullptr;
    if (!context || EVP_PKEY_keygen_init(context.get()) <= 0 ||
        EVP_PKEY_CTX_set_group_name(context.get(), "P-256") <= 0 || EVP_PKEY_generate(context.get(), &key) <= 0)
        return std::unexpected(openssl_failure("cannot make an EC P-256 key"));
    return Key(key);
}

std::expected<std::string, std::string> random_hex(std::size_t bytes) {
    std::vector<unsigned char> random(bytes);
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        return std::unexpected(openssl_failure("cannot draw random bytes"));
    std::string hex;
    for (unsigned char byte : random)
        hex += fmt::format("{:02x}", byte);
    return hex;
}

// Returns a version 3 certificate for `key` with a random 128-bit serial, subject CN
// `common_name` and `validity`; issuer, extensions and signature are the caller's.
std::expected<Cert, std::string> new_certificate(EVP_PKEY* key, const std::string& common_name, Validity validity) {
    Cert cert(X509_new());
    BigNumber serial(BN_new());
    // Odd, so never zero: RFC 5280 wants a positive serial.
    if (!cert || !serial || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
        BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ODD) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        return std::unexpected(openssl_failure("cannot start a certificate"));
    std::time_t now = std::time(nullptr);
    if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, validity.not_before, &now) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, validity.not_after, &now))
        return std::unexpected(openssl_failure("cannot set a certificate's validity"));
    const auto* name = reinterpret_cast<const unsigned char*>(common_name.c_str());
    if (X509_NAME_add_entry_by_NID(X509_get_subject_name(cert.get()), NID_commonName, MBSTRING_UTF8, name, -1, -1, 0) !=
        1)
        return std::unexpected(openssl_failure(fmt::format("cannot name a certificate '{}'", common_name)));
    if (X509_set_pubkey(cert.get(), key) != 1)
        return std::unexpected(openssl_failure("cannot put a key in a certificate"));
    return cert;
}

// Adds the extension OpenSSL's config syntax `value` describes (as in `openssl x509 -extfile`).
std::expected<void, std::string> add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    Extension extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
    if (!extension || X509_add_ext(cert, extension.get(), -1) != 1)
        return std::unexpected(openssl_failure(fmt::format("cannot add {} '{}'", OBJ_nid2sn(nid), value)));
    return {};
}

// Built entry by entry rather than from "DNS:a,IP:b" text, where a comma in a name would split it.
std::expected<void, std::string> add_alt_names(X509* cert, const std::vector<AltName>& entries) {
    GeneralNames names(GENERAL_NAMES_new());
    if (!names)
        return std::unexpected(openssl_failure("cannot make a subjectAltName"));
    for (const auto& entry : entries) {
        GeneralName name(GENERAL_NAME_new());
        ASN1_STRING* value = entry.ip.empty() ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();
        const void* data = entry.ip.empty() ? static_cast<const void*>(entry.text.data()) : entry.ip.data();
        int size = static_cast<int>(entry.ip.empty() ? entry.text.size() : entry.ip.size());
        if (!name || !value || ASN1_STRING_set(value, data, size) != 1) {
            ASN1_STRING_free(value);
            return std::unexpected(openssl_failure(fmt::format("cannot add '{}' to a subjectAltName", entry.text)));
        }
        GENERAL_NAME_set0_value(name.get(), entry.ip.empty() ? GEN_DNS : GEN_IPADD, value);
        if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0)
            return std::unexpected(openssl_failure("cannot grow a subjectAltName"));
        name.release(); // the stack owns it now
    }
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return std::unexpected(openssl_failure("cannot add a subjectAltName"));
    return {};
}

using Step = std::function<std::expected<void, std::string>()>;

// Runs `steps` in order up to the first that fails, and returns that failure.
std::expected<void, std::string> in_order(std::initializer_list<Step> steps) {
    for (const auto& step : steps) {
        if (auto done = step(); !done)
            return done;
    }
    return {};
}

std::expected<void, std::string> sign(X509* cert, X509* issuer, EVP_PKEY* issuer_key) {
    if (X509_set_issuer_name(cert, X509_get_subject_name(issuer)) != 1 ||
        X509_sign(cert, issuer_key, EVP_sha256()) <= 0)
        return std::unexpected(openssl_failure("cannot sign a certificate"));
    return {};
}

// Writes what `write_pem` prints to `path`, atomically and with its mode from the start; a
// failure names OpenSSL's reason when OpenSSL has one.
std::expected<void, std::string> write_pem_file(const fs::path& path, mode_t mode, std::optional<Owner> owner,
                                                const std::function<int(std::FILE*)>& write_pem) {
    auto written = write_file_atomically(path, mode, owner, [&](std::FILE* out) { return write_pem(out) == 1; });
    if (!written && ERR_peek_error() != 0)
        return std::unexpected(openssl_failure(written.error()));
    return written;
}

std::expected<void, std::string> write_certificate(const fs::path& path, X509* cert, std::optional<Owner> owner) {
    return write_pem_file(path, 0644, owner, [cert](std::FILE* out) { return PEM_write_X509(out, cert); });
}

std::expected<void, std::string> write_key(const fs::path& path, EVP_PKEY* key, std::optional<Owner> owner) {
    return write_pem_file(path, 0600, owner, [key](std::FILE* out) {
        return PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    });
}

std::expected<Cert, std::string> read_certificate(const fs::path& path) {
    Bio in(BIO_new_file(path.c_str(), "r"));
    Cert cert(in ? PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert)
        return std::unexpected(openssl_failure(fmt::format("cannot read a certificate from {}", path.string())));
    return cert;
}

std::string common_name_of(X509* cert) {
    X509_NAME* subject = X509_get_subject_name(cert);
    int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    unsigned char* text = nullptr;
    int size =
        index < 0 ? -1 : ASN1_STRING_to_UTF8(&text, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
    std::string name =
        size < 0 ? std::string() : std::string(reinterpret_cast<char*>(text), static_cast<std::size_t>(size));
    OPENSSL_free(text);
    return name;
}

std::string describe_alt_name(const GENERAL_NAME* name) {
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    const unsigned char* data = ASN1_STRING_get0_data(value);
    int size = ASN1_STRING_length(value);
    if (type == GEN_DNS)
        return fmt::format("DNS:{}",
                           std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)));
    if (type == GEN_IPADD && (size == 4 || size == 16)) {
        std::array<char, INET6_ADDRSTRLEN> text{};
        ::inet_ntop(size == 4 ? AF_INET : AF_INET6, data, text.data(), text.size());
        return fmt::format("IP:{}", text.data());
    }
    return "other";
}

std::string describe_alt_names(X509* cert) {
    GeneralNames names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names || sk_GENERAL_NAME_num(names.get()) == 0)
        return "no SAN";
    std::string text = "SAN ";
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i)
        text += (i == 0 ? "" : ", ") + describe_alt_name(sk_GENERAL_NAME_value(names.get(), i));
    return text;
}

} // namespace

void CertificateAuthority::KeyFree::operator()(evp_pkey_st* key) const {
    EVP_PKEY_free(key);
}

void CertificateAuthority::CertFree::operator()(x509_st* cert) const {
    X509_free(cert);
}

CertificateAuthority::CertificateAuthority(fs::path ca_file, std::unique_ptr<evp_pkey_st, KeyFree> key,
                                           std::unique_ptr<x509_st, CertFree> cert)
    : m_ca_file(std::move(ca_file)), m_key(std::move(key)), m_cert(std::move(cert)) {}

std::expected<CertificateAuthority, std::string> CertificateAuthority::create(const fs::path& ca_file) {
    auto key = make_key();
    if (!key)
        return std::unexpected(key.error());
    // A random CN, so certificates of two runs can never be taken for each other's.
    auto suffix = random_hex(8);
    if (!suffix)
        return std::unexpected(suffix.error());
    auto cert = new_certificate(key->get(), "stagegate throwaway CA " + *suffix, k_current);
    if (!cert)
        return std::unexpected(cert.error());
    X509* ca = cert->get();
    EVP_PKEY* ca_key = key->get();
    auto made = in_order({
        [&] { return add_extension(ca, ca, NID_basic_constraints, "critical,CA:TRUE"); },
        [&] { return add_extension(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign"); },
        [&] { return add_extension(ca, ca, NID_subject_key_identifier, "hash"); },
        [&] { return sign(ca, ca, ca_key); },
        [&] { return write_certificate(ca_file, ca, std::nullopt); },
    });
    if (!made)
        return std::unexpected(made.error());
    return CertificateAuthority(ca_file, std::unique_ptr<evp_pkey_st, KeyFree>(key->release()),
                                std::unique_ptr<x509_st, CertFree>(cert->release()));
}

std::expected<ServerCertificate, std::string>
CertificateAuthority::issue(const fs::path& dir, std::span<const std::string> names, CertificateKind kind,
                            std::optional<std::pair<uid_t, gid_t>> owner, std::string_view stem) const {
    auto entries = alt_names_for(names, kind);
    auto key = make_key();
    if (!key)
        return std::unexpected(key.error());
    auto cert =
        new_certificate(key->get(), common_name_for(entries), kind == CertificateKind::expired ? k_expired : k_current);
    if (!cert)
        return std::unexpected(cert.error());
    bool self_signed = kind == CertificateKind::self_signed;
    X509* leaf = cert->get();
    X509* issuer = self_signed ? leaf : m_cert.get();
    EVP_PKEY* issuer_key = self_signed ? key->get() : m_key.get();
    ServerCertificate issued{dir / fmt::format("{}.crt", stem), dir / fmt::format("{}.key", stem), {}};
    // digitalSignature alone: keyEncipherment is for RSA key transport, and RFC 5480 forbids it
    // on an EC key, which strict clients check.
    auto made = in_order({
        [&] { return add_alt_names(leaf, entries); },
        [&] { return add_extension(leaf, issuer, NID_basic_constraints, "critical,CA:FALSE"); },
        [&] { return add_extension(leaf, issuer, NID_key_usage, "critical,digitalSignature"); },
        [&] { return add_extension(leaf, issuer, NID_ext_key_usage, "serverAuth"); },
        [&] { return add_extension(leaf, issuer, NID_subject_key_identifier, "hash"); },
        [&] {
            return self_signed ? std::expected<void, std::string>()
                               : add_extension(leaf, issuer, NID_authority_key_identifier, "keyid:always");
        },
        [&] { return sign(leaf, issuer, issuer_key); },
        [&] { return write_key(issued.key_file, key->get(), owner); },
        [&] {
            auto written = write_certificate(issued.cert_file, leaf, owner);
            if (!written) // a new key next to an older certificate would be a pair that does not match
                ::unlink(issued.key_file.c_str());
            return written;
        },
    });
    if (!made)
        return std::unexpected(made.error());
    for (auto& entry : entries)
        issued.names.push_back(std::move(entry.text));
    return issued;
}

bool certificate_matches_host(const fs::path& cert_file, std::string_view host) {
    auto cert = read_certificate(cert_file);
    if (!cert || host.empty())
        return false;
    auto ip = ip_bytes(host);
    int matched = ip.empty() ? X509_check_host(cert->get(), host.data(), host.size(),
                                               X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr)
                             : X509_check_ip(cert->get(), ip.data(), ip.size(), 0);
    ERR_clear_error();
    return matched == 1;
}

std::expected<std::string, std::string> describe_certificate(const fs::path& cert_file) {
    auto cert = read_certificate(cert_file);
    if (!cert)
        return std::unexpected(cert.error());
    std::string common_name = common_name_of(cert->get());
    std::tm expires{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert->get()), &expires) != 1)
        return std::unexpected(openssl_failure(fmt::format("cannot read the expiry of {}", cert_file.string())));
    return fmt::format("{}, {}, expires {:04}-{:02}-{:02}", common_name.empty() ? "no CN" : "CN=" + common_name,
                       describe_alt_names(cert->get()), expires.tm_year + 1900, expires.tm_mon + 1, expires.tm_mday);
}

} // namespace stagegate
