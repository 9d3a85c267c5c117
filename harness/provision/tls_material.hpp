#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scenario/scenario.hpp" // CertificateKind

// OpenSSL's own struct names, so this header needs none of OpenSSL's (EVP_PKEY and X509 are typedefs of these).
struct evp_pkey_st;
struct x509_st;

namespace stagegate {

// A server certificate and its key, as files a database server is pointed at.
struct ServerCertificate {
    std::filesystem::path cert_file; // PEM: the server certificate (then nothing else)
    std::filesystem::path key_file;  // PEM (PKCS#8, unencrypted): its private key, mode 0600
    std::vector<std::string> names;  // the DNS names and IP addresses in its subjectAltName, in order
};

// A throwaway certificate authority for one run: an EC P-256 key kept in memory only, and a
// self-signed CA certificate (CN "stagegate throwaway CA <random hex>", valid from an hour ago for
// two days) written as PEM to `ca_file`, the file clients are told to trust.
class CertificateAuthority {
  public:
    // Makes the key and writes the CA certificate to `ca_file` (its folder must exist); fails with
    // a one-line reason naming the step and OpenSSL's or the system's error.
    static std::expected<CertificateAuthority, std::string> create(const std::filesystem::path& ca_file);

    CertificateAuthority(CertificateAuthority&&) noexcept = default;
    CertificateAuthority& operator=(CertificateAuthority&&) noexcept = default;
    CertificateAuthority(const CertificateAuthority&) = delete;
    CertificateAuthority& operator=(const CertificateAuthority&) = delete;
    ~CertificateAuthority() = default;

    // Returns the PEM file holding the CA certificate.
    const std::filesystem::path& ca_file() const { return m_ca_file; }

    // Writes `<stem>.crt` and `<stem>.key` into `dir` (which must exist), replacing earlier ones,
    // and returns them. Every kind has a fresh EC P-256 key, a SHA-256 signature and a server-only
    // profile (CA:FALSE, digitalSignature, serverAuth); by kind:
    //  valid:       subjectAltName = `names` (IP: for those that parse as IPv4/IPv6 addresses, DNS:
    //               otherwise) plus IP:127.0.0.1 and DNS:localhost; signed by this CA; valid from
    //               an hour ago for two days.
    //  wrong_name:  subjectAltName = DNS:wrong-name.invalid and IP:127.0.0.1 only, so it matches
    //               none of `names` unless one is 127.0.0.1; signed by this CA; valid.
    //  expired:     as valid, but valid from 30 days ago until a day ago.
    //  self_signed: as valid, but signed by its own key (issuer = subject) instead of this CA's.
    // The CN is the first subjectAltName entry that fits in a CN (64 characters), so a client
    // that still falls back to the CN sees the same names. With `owner`, both files are handed to
    // that uid:gid (a server running as its own account must read its key: PostgreSQL refuses a
    // key that is group- or world-readable, or owned by anyone but its user or root).
    std::expected<ServerCertificate, std::string> issue(const std::filesystem::path& dir,
                                                        std::span<const std::string> names, CertificateKind kind,
                                                        std::optional<std::pair<uid_t, gid_t>> owner = {},
                                                        std::string_view stem = "server") const;

  private:
    struct KeyFree {
        void operator()(evp_pkey_st* key) const;
    };
    struct CertFree {
        void operator()(x509_st* cert) const;
    };

    CertificateAuthority(std::filesystem::path ca_file, std::unique_ptr<evp_pkey_st, KeyFree> key,
                         std::unique_ptr<x509_st, CertFree> cert);

    std::filesystem::path m_ca_file;
    std::unique_ptr<evp_pkey_st, KeyFree> m_key;
    std::unique_ptr<x509_st, CertFree> m_cert;
};

// Returns whether the certificate in `cert_file` is valid for `host` by RFC 6125 rules: a DNS name
// against the DNS entries (no partial wildcards such as w*.example.com; the CN only when there
// are none), an IPv4/IPv6 address against the IP entries. False when the file cannot be read.
// For where a client library is handed an address instead of the name the application uses, so
// stagegate must check the name itself.
bool certificate_matches_host(const std::filesystem::path& cert_file, std::string_view host);

// Returns a one-line description for reports and messages, e.g.
// "CN=db.example.test, SAN DNS:db.example.test, IP:127.0.0.1, DNS:localhost, expires 2026-11-29"
// ("no CN" / "no SAN" when absent; the date is notAfter in UTC), or why the file cannot be read.
std::expected<std::string, std::string> describe_certificate(const std::filesystem::path& cert_file);

} // namespace stagegate
