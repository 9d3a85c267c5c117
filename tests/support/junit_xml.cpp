#include "junit_xml.hpp"

#include "support.hpp"

#include <libxml/xmlschemas.h>

#include <memory>

namespace stagegate::test {

std::vector<std::string> schema_messages(xmlDoc* doc) {
    XmlMessages messages;
    std::string xsd = (source_dir() / "tests" / "support" / "junit.xsd").string();
    std::unique_ptr<xmlSchemaParserCtxt, decltype(&xmlSchemaFreeParserCtxt)> parser(xmlSchemaNewParserCtxt(xsd.c_str()),
                                                                                    xmlSchemaFreeParserCtxt);
    xmlSchemaSetParserStructuredErrors(parser.get(), XmlMessages::collect, &messages);
    std::unique_ptr<xmlSchema, decltype(&xmlSchemaFree)> schema(xmlSchemaParse(parser.get()), xmlSchemaFree);
    if (!schema)
        return {"cannot read " + xsd};
    std::unique_ptr<xmlSchemaValidCtxt, decltype(&xmlSchemaFreeValidCtxt)> validator(
        xmlSchemaNewValidCtxt(schema.get()), xmlSchemaFreeValidCtxt);
    xmlSchemaSetValidStructuredErrors(validator.get(), XmlMessages::collect, &messages);
    int result = xmlSchemaValidateDoc(validator.get(), doc);
    std::vector<std::string> out = messages.messages();
    if (result != 0 && out.empty())
        out.push_back("xmlSchemaValidateDoc returned " + std::to_string(result));
    return out;
}

std::vector<std::string> junit_problems(const std::string& text) {
    std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(nullptr, xmlFreeDoc);
    {
        XmlMessages messages;
        doc.reset(xmlReadMemory(text.data(), static_cast<int>(text.size()), "report.xml", nullptr, XML_PARSE_NONET));
        if (!doc || !messages.messages().empty()) {
            auto problems = messages.messages();
            if (problems.empty())
                problems.push_back("libxml2 returned no document and no message");
            return problems;
        }
    }
    return schema_messages(doc.get());
}

} // namespace stagegate::test
