#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* RTLD_NEXT */
#endif
#include "net_tls.h"
#include "ldg_hash.h"
#include "ldg_limits.h"
#include "net_file.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>
#include <pthread.h>
#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static EVP_PKEY *new_key(void)
{
    return EVP_EC_gen("P-256");
}

/* A secret: built in memory, then net_file_write (never through a planted symlink, never
 * over an existing key, mode 0600 from the start). */
static bool write_key(const char *path, EVP_PKEY *k)
{
    BIO *mem = BIO_new(BIO_s_mem());
    if (!mem)
        return false;
    char *pem = NULL, err[NET_PATH_MAX + 128];
    bool ok = PEM_write_bio_PrivateKey(mem, k, NULL, NULL, 0, NULL, NULL) == 1;
    long len = ok ? BIO_get_mem_data(mem, &pem) : 0;
    ok = ok && len > 0 &&
         net_file_write(path, pem, (size_t)len, 0600, NET_FILE_CREATE, err, sizeof err) == LDG_OK;
    if (pem)
        OPENSSL_cleanse(pem, (size_t)len);
    BIO_free(mem);
    return ok;
}

static bool write_cert(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = PEM_write_X509(f, x) == 1;
    return fclose(f) == 0 && ok;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!e)
        return false;
    bool ok = X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

static X509 *new_cert(EVP_PKEY *key, const char *ou, const char *cn, long days)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    uint8_t serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
    X509_set_serialNumber(x, ai);
    ASN1_INTEGER_free(ai);
    BN_free(bn);
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), days * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"folio consortium",
                               -1, -1, 0);
    if (ou)
        X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    return x;
}

ldg_err net_tls_make_ca(const char *cert_path, const char *key_path, const char *cn, char *err,
                        size_t err_len)
{
    EVP_PKEY *k = new_key();
    X509 *x = k ? new_cert(k, NULL, cn, NET_TLS_CA_DAYS) : NULL;
    bool ok = x && X509_set_issuer_name(x, X509_get_subject_name(x)) == 1 &&
              add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") &&
              add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") &&
              add_ext(x, x, NID_subject_key_identifier, "hash") &&
              X509_sign(x, k, EVP_sha256()) > 0 && write_key(key_path, k) &&
              write_cert(cert_path, x);
    if (!ok)
        snprintf(err, err_len, "cannot create the consortium CA in %s", cert_path);
    X509_free(x);
    EVP_PKEY_free(k);
    return ok ? LDG_OK : LDG_ERR_CRYPTO;
}

ldg_err net_tls_make_cert(const char *ca_cert_path, const char *ca_key_path, const char *cert_path,
                          const char *key_path, const char *role, const char *cn, const char *host,
                          char *err, size_t err_len)
{
    FILE *f = fopen(ca_cert_path, "r");
    X509 *ca = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    f = fopen(ca_key_path, "r");
    EVP_PKEY *cak = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    EVP_PKEY *k = ca && cak ? new_key() : NULL;
    X509 *x = k ? new_cert(k, role, cn, NET_TLS_CERT_DAYS) : NULL;
    char san[512];
    struct in_addr ia;
    if (inet_pton(AF_INET, host, &ia) == 1)
        snprintf(san, sizeof san, "DNS:%s,DNS:localhost,IP:%s", host, host);
    else
        snprintf(san, sizeof san, "DNS:%s,DNS:localhost", host);
    bool ok = x && X509_set_issuer_name(x, X509_get_subject_name(ca)) == 1 &&
              add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") &&
              add_ext(x, ca, NID_key_usage, "critical,digitalSignature,keyAgreement") &&
              add_ext(x, ca, NID_ext_key_usage, "serverAuth,clientAuth") &&
              add_ext(x, ca, NID_subject_alt_name, san) && X509_sign(x, cak, EVP_sha256()) > 0 &&
              write_key(key_path, k) && write_cert(cert_path, x);
    if (!ok)
        snprintf(err, err_len, "cannot create the TLS certificate %s", cert_path);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(k);
    EVP_PKEY_free(cak);
    return ok ? LDG_OK : LDG_ERR_CRYPTO;
}

bool net_tls_cert_check(const char *ca_path, const char *cert_path)
{
    FILE *f = fopen(ca_path, "r");
    X509 *ca = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    f = fopen(cert_path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    bool ok = false;
    if (ca && x) {
        X509_STORE *st = X509_STORE_new();
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        X509_STORE_add_cert(st, ca);
        ok = X509_STORE_CTX_init(ctx, st, x, NULL) == 1 && X509_verify_cert(ctx) == 1;
        X509_STORE_CTX_free(ctx);
        X509_STORE_free(st);
    }
    X509_free(ca);
    X509_free(x);
    return ok;
}

ldg_err net_tls_cert_info(const char *cert_path, uint8_t fp[32], char role[NET_TLS_NAME_MAX + 1],
                          char cn[NET_TLS_NAME_MAX + 1])
{
    FILE *f = fopen(cert_path, "r");
    if (!f)
        return LDG_ERR_NOT_FOUND;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x)
        return LDG_ERR_DECODE;
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n > 0) {
        ldg_hash h;
        ldg_sha256(&h, der, (size_t)n);
        memcpy(fp, h.b, 32);
    }
    OPENSSL_free(der);
    X509_NAME *name = X509_get_subject_name(x);
    role[0] = cn[0] = '\0';
    if (X509_NAME_get_text_by_NID(name, NID_organizationalUnitName, role, NET_TLS_NAME_MAX + 1) < 0)
        role[0] = '\0';
    if (X509_NAME_get_text_by_NID(name, NID_commonName, cn, NET_TLS_NAME_MAX + 1) < 0)
        cn[0] = '\0';
    X509_free(x);
    return n > 0 ? LDG_OK : LDG_ERR_DECODE;
}

bool net_tls_revoked(const char *path, const uint8_t fp[32])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char want[65], line[256];
    ldg_hex_encode(want, fp, 32);
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        found = strncasecmp(p, want, 64) == 0 && (p[64] == '\0' || strchr(" \t\r\n#", p[64]));
    }
    fclose(f);
    return found;
}

/* ---- mbedTLS, reached through nng ----
 *
 * nng 1.5.2 lets an application choose neither cipher suites nor see the peer's
 * certificate. Its TLS engine is the system's mbedTLS, a shared library it calls through
 * the dynamic linker, so this program defines two of the functions it calls and passes
 * them on to mbedTLS (dlsym RTLD_NEXT):
 *   - mbedtls_ssl_config_defaults (called by nng_tls_config_alloc): then restricts the
 *     configuration to the AEAD suites below;
 *   - mbedtls_ssl_get_verify_result (called when nng answers NNG_OPT_TLS_VERIFIED for a
 *     pipe): when net_tls_pipe_peer asked, on this thread, records the peer certificate of
 *     that very connection.
 * Both note on the calling thread that they ran, and their callers fail closed when they
 * did not (nng built against another TLS library, or linked statically). */

static const int aead_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};

static int (*real_config_defaults)(mbedtls_ssl_config *, int, int, int);
static uint32_t (*real_verify_result)(const mbedtls_ssl_context *);
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void find_real(void)
{
    *(void **)&real_config_defaults = dlsym(RTLD_NEXT, "mbedtls_ssl_config_defaults");
    *(void **)&real_verify_result = dlsym(RTLD_NEXT, "mbedtls_ssl_get_verify_result");
}

static __thread bool suites_applied;
static __thread bool peer_wanted, peer_seen, peer_unverified;
static __thread net_tls_peer peer_seen_id;

int mbedtls_ssl_config_defaults(mbedtls_ssl_config *conf, int endpoint, int transport, int preset)
{
    pthread_once(&real_once, find_real);
    if (!real_config_defaults)
        return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    int rv = real_config_defaults(conf, endpoint, transport, preset);
    if (rv == 0) {
        mbedtls_ssl_conf_ciphersuites(conf, aead_suites);
        suites_applied = true;
    }
    return rv;
}

/* An attribute of a certificate's subject if printable and short enough, else "". */
static void subject_attr(const mbedtls_x509_crt *c, const char *oid, size_t oid_len, char *out)
{
    out[0] = '\0';
    for (const mbedtls_x509_name *n = &c->subject; n; n = n->next) {
        if (n->oid.len != oid_len || memcmp(n->oid.p, oid, oid_len) != 0)
            continue;
        if (n->val.len == 0 || n->val.len > NET_TLS_NAME_MAX)
            return;
        for (size_t i = 0; i < n->val.len; i++)
            if (n->val.p[i] < 0x21 || n->val.p[i] > 0x7e)
                return;
        memcpy(out, n->val.p, n->val.len);
        out[n->val.len] = '\0';
        return;
    }
}

uint32_t mbedtls_ssl_get_verify_result(const mbedtls_ssl_context *ssl)
{
    pthread_once(&real_once, find_real);
    if (!real_verify_result)
        return (uint32_t)-1;
    uint32_t r = real_verify_result(ssl);
    if (peer_wanted) {
        const mbedtls_x509_crt *c = mbedtls_ssl_get_peer_cert(ssl);
        peer_unverified = c && r != 0; /* presented, and refused by the CA check */
        if (c && r == 0) {
            ldg_hash h;
            ldg_sha256(&h, c->raw.p, c->raw.len);
            memcpy(peer_seen_id.fp, h.b, 32);
            subject_attr(c, MBEDTLS_OID_AT_ORG_UNIT, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORG_UNIT),
                         peer_seen_id.role);
            subject_attr(c, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN),
                         peer_seen_id.cn);
            peer_seen = true;
        }
    }
    return r;
}

bool net_tls_pipe_peer(uint32_t pipe_id, net_tls_peer *out)
{
    nng_pipe p = NNG_PIPE_INITIALIZER;
    p.id = pipe_id;
    bool verified = false;
    peer_wanted = true;
    peer_seen = false;
    int rv = nng_pipe_get_bool(p, NNG_OPT_TLS_VERIFIED, &verified);
    peer_wanted = false;
    if (rv != 0 || !verified || !peer_seen)
        return false;
    *out = peer_seen_id;
    return true;
}

int net_tls_stream_peer(nng_stream *s, net_tls_peer *out)
{
    bool verified = false;
    peer_wanted = true;
    peer_seen = peer_unverified = false;
    int rv = nng_stream_get_bool(s, NNG_OPT_TLS_VERIFIED, &verified);
    peer_wanted = false;
    if (rv == 0 && verified && peer_seen) {
        *out = peer_seen_id;
        return 1;
    }
    return rv == 0 && peer_unverified ? -1 : 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    enum { PEM_MAX = 64 * 1024 };
    char *buf = malloc(PEM_MAX + 1);
    LDG_ASSERT(buf);
    size_t n = fread(buf, 1, PEM_MAX, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static int config_make(struct nng_tls_config **out, bool server, const char *ca, const char *cert,
                       const char *key, int auth, const char *server_name, char *err,
                       size_t err_len)
{
    nng_tls_config *c;
    suites_applied = false;
    int rv = nng_tls_config_alloc(&c, server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT);
    if (rv != 0) {
        snprintf(err, err_len, "TLS unavailable in nng: %s", nng_strerror(rv));
        return rv;
    }
    if (!suites_applied) {
        snprintf(err, err_len,
                 "cannot restrict TLS to AEAD cipher suites: nng does not use the "
                 "system mbedTLS through the dynamic linker");
        nng_tls_config_free(c);
        return NNG_ENOTSUP;
    }
    char *cp = slurp(cert), *kp = slurp(key);
    const char *what = "CA file";
    rv = ca ? nng_tls_config_ca_file(c, ca) : 0;
    if (rv == 0) {
        what = "certificate/key";
        rv = cp && kp ? nng_tls_config_own_cert(c, cp, kp, NULL) : NNG_ENOENT;
    }
    if (rv == 0) {
        what = "auth mode";
        rv = nng_tls_config_auth_mode(c, auth);
    }
    if (rv == 0 && !server && server_name) {
        what = "server name";
        rv = nng_tls_config_server_name(c, server_name);
    }
    if (kp) {
        explicit_bzero(kp, strlen(kp));
        free(kp);
    }
    free(cp);
    if (rv != 0) {
        snprintf(err, err_len, "TLS %s (%s, %s): %s", what, ca ? ca : "no CA", cert,
                 nng_strerror(rv));
        nng_tls_config_free(c);
        return rv;
    }
    *out = c;
    return 0;
}

int net_tls_nng_config(struct nng_tls_config **out, bool server, const char *ca, const char *cert,
                       const char *key, const char *server_name, char *err, size_t err_len)
{
    return config_make(out, server, ca, cert, key, NNG_TLS_AUTH_MODE_REQUIRED, server_name, err,
                       err_len);
}

int net_tls_http_config(struct nng_tls_config **out, const char *ca, const char *cert,
                        const char *key, char *err, size_t err_len)
{
    return config_make(out, true, ca, cert, key,
                       ca ? NNG_TLS_AUTH_MODE_OPTIONAL : NNG_TLS_AUTH_MODE_NONE, NULL, err,
                       err_len);
}
