#include <doctest/doctest.h>

#include "provision/tls_material.hpp"
#include "support.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace stagegate;
namespace fs = std::filesystem;

namespace {

template <auto free_fn> struct Free {
    template <class T> void operator()(T* pointer) const { free_fn(pointer); }
};
using Cert = std::unique_ptr<X509, Free<X509_free>>;
using Key = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using Store = std::unique_ptr<X509_STORE, Free<X509_STORE_free>>;
using StoreContext = std::unique_ptr<X509_STORE_CTX, Free<X509_STORE_CTX_free>>;
using SslContext = std::unique_ptr<SSL_CTX, Free<SSL_CTX_free>>;
using Ssl = std::unique_ptr<SSL, Free<SSL_free>>;

const std::vector<std::string> k_names{"db.example.test", "replica.example.test"};

Cert load_certificate(const fs::path& file) {
    std::unique_ptr<BIO, Free<BIO_free>> in(BIO_new_file(file.c_str(), "r"));
    return Cert(in ? PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr) : nullptr);
}

Key load_key(const fs::path& file) {
    std::unique_ptr<BIO, Free<BIO_free>> in(BIO_new_file(file.c_str(), "r"));
    return Key(in ? PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool is_address(const std::string& host) {
    unsigned char bytes[16];
    return ::inet_pton(AF_INET, host.c_str(), bytes) == 1 || ::inet_pton(AF_INET6, host.c_str(), bytes) == 1;
}

// Returns OpenSSL's verdict on `cert_file` for a client that trusts only `ca_file` and connects
// to `host`: X509_V_OK or the first error the verifier found.
int verify(const fs::path& ca_file, const fs::path& cert_file, const std::string& host) {
    Store store(X509_STORE_new());
    REQUIRE(X509_STORE_load_file(store.get(), ca_file.c_str()) == 1);
    Cert cert = load_certificate(cert_file);
    REQUIRE(cert);
    StoreContext context(X509_STORE_CTX_new());
    REQUIRE(X509_STORE_CTX_init(context.get(), store.get(), cert.get(), nullptr) == 1);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (is_address(host))
        REQUIRE(X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1);
    else
        REQUIRE(X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1);
    int verified = X509_verify_cert(context.get());
    int error = X509_STORE_CTX_get_error(context.get());
    ERR_clear_error();
    return verified == 1 ? X509_V_OK : error;
}

std::string verify_error(int error) {
    return X509_verify_cert_error_string(error);
}

// The outcome of a TLS handshake between a server presenting a certificate and a verifying client.
struct Handshake {
    bool succeeded = false;
    long client_verdict = X509_V_OK; // the client's certificate check (SSL_get_verify_result)
};

// Runs a TLS handshake in memory (a BIO pair, no sockets): the server presents `issued`, the
// client trusts only `ca_file` and checks the certificate names `host`.
Handshake handshake(const ServerCertificate& issued, const fs::path& ca_file, const std::string& host) {
    SslContext server_context(SSL_CTX_new(TLS_server_method()));
    SslContext client_context(SSL_CTX_new(TLS_client_method()));
    REQUIRE(server_context);
    REQUIRE(client_context);
    REQUIRE(SSL_CTX_use_certificate_file(server_context.get(), issued.cert_file.c_str(), SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(server_context.get(), issued.key_file.c_str(), SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_load_verify_locations(client_context.get(), ca_file.c_str(), nullptr) == 1);
    SSL_CTX_set_verify(client_context.get(), SSL_VERIFY_PEER, nullptr);

    Ssl server(SSL_new(server_context.get()));
    Ssl client(SSL_new(client_context.get()));
    REQUIRE(server);
    REQUIRE(client);
    REQUIRE(SSL_set1_host(client.get(), host.c_str()) == 1);
    BIO* client_end = nullptr;
    BIO* server_end = nullptr;
    REQUIRE(BIO_new_bio_pair(&client_end, 0, &server_end, 0) == 1);
    SSL_set_bio(client.get(), client_end, client_end); // each SSL owns its end from here
    SSL_set_bio(server.get(), server_end, server_end);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(server.get());

    auto waiting = [](SSL* ssl, int result) {
        int error = SSL_get_error(ssl, result);
        return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
    };
    Handshake outcome;
    // Each side moves as far as the bytes it has let it; a dozen rounds is far more than TLS 1.3 needs.
    for (int round = 0; round < 12; ++round) {
        int client_result = SSL_do_handshake(client.get());
        int server_result = SSL_do_handshake(server.get());
        if (client_result == 1 && server_result == 1) {
            outcome.succeeded = true;
            break;
        }
        if ((client_result != 1 && !waiting(client.get(), client_result)) ||
            (server_result != 1 && !waiting(server.get(), server_result)))
            break;
    }
    outcome.client_verdict = SSL_get_verify_result(client.get());
    ERR_clear_error();
    return outcome;
}

// A folder with a fresh CA in it, and the CA.
struct Fixture {
    fs::path dir = stagegate::test::fresh_dir("tls");
    CertificateAuthority ca = [this] {
        auto made = CertificateAuthority::create(dir / "ca.crt");
        REQUIRE_MESSAGE(made.has_value(), made.error());
        return std::move(*made);
    }();

    ServerCertificate issue(CertificateKind kind, std::string_view stem = "server") {
        auto issued = ca.issue(dir, k_names, kind, std::nullopt, stem);
        REQUIRE_MESSAGE(issued.has_value(), issued.error());
        return *issued;
    }
};

// Returns how long `cert` is valid, in days and seconds.
std::pair<int, int> lifetime(const X509* cert) {
    std::pair<int, int> span{-1, -1};
    ASN1_TIME_diff(&span.first, &span.second, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
    return span;
}

bool is_one_line(const std::string& text) {
    return !text.empty() && text.find('\n') == std::string::npos;
}

} // namespace

TEST_SUITE("tls_material") {
    TEST_CASE("certificate kinds have their scenario names") {
        CHECK(to_string(CertificateKind::valid) == "valid");
        CHECK(to_string(CertificateKind::wrong_name) == "wrong-name");
        CHECK(to_string(CertificateKind::expired) == "expired");
        CHECK(to_string(CertificateKind::self_signed) == "self-signed");
    }

    TEST_CASE("the CA certificate is a CA with a per-run name") {
        Fixture fixture;
        CHECK(fixture.ca.ca_file() == fixture.dir / "ca.crt");
        Cert ca = load_certificate(fixture.ca.ca_file());
        REQUIRE(ca);
        CHECK(X509_check_ca(ca.get()) == 1);
        CHECK((X509_get_key_usage(ca.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
        CHECK(X509_get0_subject_key_id(ca.get()) != nullptr);
        CHECK(X509_self_signed(ca.get(), 1) == 1);
        CHECK(lifetime(ca.get()) == std::pair{2, 0});
        CHECK(X509_cmp_current_time(X509_get0_notBefore(ca.get())) < 0);
        auto description = describe_certificate(fixture.ca.ca_file());
        REQUIRE(description.has_value());
        CHECK(description->starts_with("CN=stagegate throwaway CA "));

        auto other = CertificateAuthority::create(fixture.dir / "other-ca.crt");
        REQUIRE(other.has_value());
        CHECK(describe_certificate(other->ca_file()) != description);
    }

    TEST_CASE("a valid certificate verifies for each name and 127.0.0.1, and for no other name") {
        Fixture fixture;
        auto issued = fixture.issue(CertificateKind::valid);
        for (const auto& host : {"db.example.test", "replica.example.test", "127.0.0.1", "localhost"}) {
            CAPTURE(host);
            CHECK(verify_error(verify(fixture.ca.ca_file(), issued.cert_file, host)) == verify_error(X509_V_OK));
        }
        CHECK(verify(fixture.ca.ca_file(), issued.cert_file, "other.example.test") == X509_V_ERR_HOSTNAME_MISMATCH);
        CHECK(verify(fixture.ca.ca_file(), issued.cert_file, "10.0.0.1") == X509_V_ERR_IP_ADDRESS_MISMATCH);
        CHECK(issued.names ==
              std::vector<std::string>{"db.example.test", "replica.example.test", "127.0.0.1", "localhost"});
    }

    TEST_CASE("a valid certificate has a server-only profile") {
        Fixture fixture;
        Cert cert = load_certificate(fixture.issue(CertificateKind::valid).cert_file);
        REQUIRE(cert);
        CHECK(X509_get_version(cert.get()) == X509_VERSION_3);
        CHECK(X509_check_ca(cert.get()) == 0);
        CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
        CHECK(X509_get_key_usage(cert.get()) == KU_DIGITAL_SIGNATURE);
        CHECK(X509_get_extended_key_usage(cert.get()) == XKU_SSL_SERVER);
        CHECK(X509_get0_authority_key_id(cert.get()) != nullptr);
        CHECK(lifetime(cert.get()) == std::pair{2, 0});
        CHECK(X509_cmp_current_time(X509_get0_notBefore(cert.get())) < 0);
        const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
        std::unique_ptr<BIGNUM, Free<BN_free>> number(ASN1_INTEGER_to_BN(serial, nullptr));
        REQUIRE(number);
        CHECK_FALSE(BN_is_negative(number.get()));
        CHECK(BN_num_bits(number.get()) > 64);
        CHECK(BN_num_bits(number.get()) <= 128);
        EVP_PKEY* key = X509_get0_pubkey(cert.get());
        CHECK(EVP_PKEY_get_base_id(key) == EVP_PKEY_EC);
        CHECK(EVP_PKEY_get_bits(key) == 256);
    }

    TEST_CASE("the key file is private to its owner and matches the certificate") {
        Fixture fixture;
        auto issued = fixture.issue(CertificateKind::valid);
        struct stat info {};
        REQUIRE(::stat(issued.key_file.c_str(), &info) == 0);
        CHECK((info.st_mode & 07777) == 0600);
        REQUIRE(::stat(issued.cert_file.c_str(), &info) == 0);
        CHECK((info.st_mode & 07777) == 0644);
        Cert cert = load_certificate(issued.cert_file);
        Key key = load_key(issued.key_file);
        REQUIRE(cert);
        REQUIRE(key);
        CHECK(X509_check_private_key(cert.get(), key.get()) == 1);
        std::string pem = stagegate::test::read_file(issued.cert_file);
        CHECK(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        CHECK(pem.ends_with("-----END CERTIFICATE-----\n"));
        CHECK(pem.find("-----BEGIN", 1) == std::string::npos); // the certificate alone, no chain
        CHECK(stagegate::test::read_file(issued.key_file).starts_with("-----BEGIN PRIVATE KEY-----\n"));
    }

    TEST_CASE("issued files go to the given owner under the given stem, and no temporary file is left") {
        Fixture fixture;
        auto issued = fixture.ca.issue(fixture.dir, k_names, CertificateKind::valid,
                                       std::pair{::geteuid(), ::getegid()}, "replica");
        REQUIRE_MESSAGE(issued.has_value(), issued.error());
        CHECK(issued->cert_file == fixture.dir / "replica.crt");
        CHECK(issued->key_file == fixture.dir / "replica.key");
        struct stat info {};
        REQUIRE(::stat(issued->key_file.c_str(), &info) == 0);
        CHECK(info.st_uid == ::geteuid());
        CHECK(info.st_gid == ::getegid());
        int files = 0;
        for (const auto& entry : fs::directory_iterator(fixture.dir)) {
            CHECK_FALSE(entry.path().filename().string().starts_with("."));
            ++files;
        }
        CHECK(files == 3); // ca.crt, replica.crt, replica.key
    }

    TEST_CASE("a wrong-name certificate chains to the CA but matches none of the names") {
        Fixture fixture;
        auto issued = fixture.issue(CertificateKind::wrong_name);
        for (const auto& host : k_names) {
            CAPTURE(host);
            CHECK(verify(fixture.ca.ca_file(), issued.cert_file, host) == X509_V_ERR_HOSTNAME_MISMATCH);
            CHECK_FALSE(certificate_matches_host(issued.cert_file, host));
        }
        CHECK(verify(fixture.ca.ca_file(), issued.cert_file, "127.0.0.1") == X509_V_OK);
        CHECK(issued.names == std::vector<std::string>{"wrong-name.invalid", "127.0.0.1"});
        auto description = describe_certificate(issued.cert_file);
        REQUIRE(description.has_value());
        CHECK(description->starts_with("CN=wrong-name.invalid, SAN DNS:wrong-name.invalid, IP:127.0.0.1, expires "));
    }

    TEST_CASE("an expired certificate fails as expired") {
        Fixture fixture;
        auto issued = fixture.issue(CertificateKind::expired);
        CHECK(verify_error(verify(fixture.ca.ca_file(), issued.cert_file, "db.example.test")) ==
              verify_error(X509_V_ERR_CERT_HAS_EXPIRED));
        Cert cert = load_certificate(issued.cert_file);
        REQUIRE(cert);
        CHECK(X509_cmp_current_time(X509_get0_notBefore(cert.get())) < 0);
    }

    TEST_CASE("a self-signed certificate does not chain to the CA") {
        Fixture fixture;
        auto issued = fixture.issue(CertificateKind::self_signed);
        CHECK(verify_error(verify(fixture.ca.ca_file(), issued.cert_file, "db.example.test")) ==
              verify_error(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
        Cert cert = load_certificate(issued.cert_file);
        REQUIRE(cert);
        CHECK(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0);
        CHECK(certificate_matches_host(issued.cert_file, "db.example.test"));
    }

    TEST_CASE("certificate_matches_host follows RFC 6125") {
        Fixture fixture;
        std::vector<std::string> names{"db.example.test", "*.pool.example.test", "db*.partial.example.test", "10.1.2.3",
                                       "::1"};
        auto issued = fixture.ca.issue(fixture.dir, names, CertificateKind::valid);
        REQUIRE_MESSAGE(issued.has_value(), issued.error());
        const fs::path& cert = issued->cert_file;
        CHECK(certificate_matches_host(cert, "db.example.test"));
        CHECK(certificate_matches_host(cert, "DB.Example.TEST"));
        CHECK(certificate_matches_host(cert, "a.pool.example.test"));
        CHECK(certificate_matches_host(cert, "10.1.2.3"));
        CHECK(certificate_matches_host(cert, "0:0:0:0:0:0:0:1"));
        CHECK(certificate_matches_host(cert, "127.0.0.1"));
        CHECK_FALSE(certificate_matches_host(cert, "other.example.test"));
        CHECK_FALSE(certificate_matches_host(cert, "b.a.pool.example.test"));
        CHECK_FALSE(certificate_matches_host(cert, "example.test"));
        CHECK_FALSE(certificate_matches_host(cert, "db1.partial.example.test"));
        CHECK_FALSE(certificate_matches_host(cert, "10.1.2.4"));
        CHECK_FALSE(certificate_matches_host(cert, ""));
        CHECK_FALSE(certificate_matches_host(fixture.dir / "missing.crt", "db.example.test"));
        CHECK(ERR_peek_error() == 0);
    }

    TEST_CASE("names already covered are not repeated, and an IP name becomes an IP entry") {
        Fixture fixture;
        std::vector<std::string> names{"LOCALHOST", "127.0.0.1", "", "10.1.2.3"};
        auto issued = fixture.ca.issue(fixture.dir, names, CertificateKind::valid);
        REQUIRE_MESSAGE(issued.has_value(), issued.error());
        CHECK(issued->names == std::vector<std::string>{"LOCALHOST", "127.0.0.1", "10.1.2.3"});
        auto description = describe_certificate(issued->cert_file);
        REQUIRE(description.has_value());
        CHECK(description->starts_with("CN=LOCALHOST, SAN DNS:LOCALHOST, IP:127.0.0.1, IP:10.1.2.3, expires "));
    }

    TEST_CASE("a description names the CN, every subjectAltName entry and the expiry date") {
        Fixture fixture;
        auto issued = fixture.issue(CertificateKind::expired);
        auto description = describe_certificate(issued.cert_file);
        REQUIRE(description.has_value());
        std::time_t yesterday = std::time(nullptr) - 24 * 3600;
        std::tm day{};
        ::gmtime_r(&yesterday, &day);
        char date[16];
        std::strftime(date, sizeof date, "%Y-%m-%d", &day);
        CHECK(*description == "CN=db.example.test, SAN DNS:db.example.test, DNS:replica.example.test, IP:127.0.0.1, "
                              "DNS:localhost, expires " +
                                  std::string(date));
    }

    TEST_CASE("a long first name stays out of the CN but in the subjectAltName") {
        Fixture fixture;
        std::string long_name = std::string(70, 'a') + ".example.test";
        std::vector<std::string> names{long_name};
        auto issued = fixture.ca.issue(fixture.dir, names, CertificateKind::valid);
        REQUIRE_MESSAGE(issued.has_value(), issued.error());
        CHECK(certificate_matches_host(issued->cert_file, long_name));
        auto description = describe_certificate(issued->cert_file);
        REQUIRE(description.has_value());
        CHECK(description->starts_with("CN=127.0.0.1, SAN DNS:" + long_name + ", "));
    }

    TEST_CASE("writing into a missing folder fails with a one-line reason") {
        Fixture fixture;
        fs::path missing = fixture.dir / "missing";
        auto ca = CertificateAuthority::create(missing / "ca.crt");
        REQUIRE_FALSE(ca.has_value());
        CHECK(is_one_line(ca.error()));
        CHECK(ca.error() == "cannot write " + (missing / "ca.crt").string() + ": No such file or directory");
        auto issued = fixture.ca.issue(missing, k_names, CertificateKind::valid);
        REQUIRE_FALSE(issued.has_value());
        CHECK(is_one_line(issued.error()));
        CHECK(issued.error() == "cannot write " + (missing / "server.key").string() + ": No such file or directory");
        CHECK_FALSE(fs::exists(missing));
    }

    TEST_CASE("an unreadable certificate is described by a one-line OpenSSL reason") {
        Fixture fixture;
        auto missing = describe_certificate(fixture.dir / "missing.crt");
        REQUIRE_FALSE(missing.has_value());
        CHECK(is_one_line(missing.error()));
        CHECK(missing.error().find("No such file or directory") != std::string::npos);
        auto garbage = stagegate::test::write_file(fixture.dir / "garbage.crt", "not a certificate\n");
        auto unreadable = describe_certificate(garbage);
        REQUIRE_FALSE(unreadable.has_value());
        CHECK(is_one_line(unreadable.error()));
        CHECK(unreadable.error().starts_with("cannot read a certificate from " + garbage.string() + ": error:"));
        CHECK(ERR_peek_error() == 0);
    }

    TEST_CASE("a TLS handshake succeeds with a valid certificate and fails with an expired or wrong-name one") {
        Fixture fixture;
        auto valid = handshake(fixture.issue(CertificateKind::valid), fixture.ca.ca_file(), "db.example.test");
        CHECK(valid.succeeded);
        CHECK(verify_error(static_cast<int>(valid.client_verdict)) == verify_error(X509_V_OK));
        auto expired =
            handshake(fixture.issue(CertificateKind::expired, "expired"), fixture.ca.ca_file(), "db.example.test");
        CHECK_FALSE(expired.succeeded);
        CHECK(expired.client_verdict == X509_V_ERR_CERT_HAS_EXPIRED);
        auto wrong_name = handshake(fixture.issue(CertificateKind::wrong_name, "wrong-name"), fixture.ca.ca_file(),
                                    "db.example.test");
        CHECK_FALSE(wrong_name.succeeded);
        CHECK(wrong_name.client_verdict == X509_V_ERR_HOSTNAME_MISMATCH);
    }
}
