#include "net_tls.h"
#include "ldg_limits.h"
#include "net_file.h"

#include <arpa/inet.h>
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

static X509 *new_cert(EVP_PKEY *key, const char *cn)
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
    X509_gmtime_adj(X509_getm_notAfter(x), (long)NET_TLS_CERT_DAYS * 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"folio consortium",
                               -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    return x;
}

ldg_err net_tls_make_ca(const char *cert_path, const char *key_path, const char *cn, char *err,
                        size_t err_len)
{
    EVP_PKEY *k = new_key();
    X509 *x = k ? new_cert(k, cn) : NULL;
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
                          const char *key_path, const char *cn, const char *host, char *err,
                          size_t err_len)
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
    X509 *x = k ? new_cert(k, cn) : NULL;
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

int net_tls_nng_config(struct nng_tls_config **out, bool server, const char *ca, const char *cert,
                       const char *key, const char *server_name, char *err, size_t err_len)
{
    nng_tls_config *c;
    int rv = nng_tls_config_alloc(&c, server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT);
    if (rv != 0) {
        snprintf(err, err_len, "TLS unavailable in nng: %s", nng_strerror(rv));
        return rv;
    }
    char *cp = slurp(cert), *kp = slurp(key);
    const char *what = "CA file";
    rv = nng_tls_config_ca_file(c, ca);
    if (rv == 0) {
        what = "certificate/key";
        rv = cp && kp ? nng_tls_config_own_cert(c, cp, kp, NULL) : NNG_ENOENT;
    }
    if (rv == 0) {
        what = "auth mode";
        rv = nng_tls_config_auth_mode(c, NNG_TLS_AUTH_MODE_REQUIRED);
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
        snprintf(err, err_len, "TLS %s (%s, %s): %s", what, ca, cert, nng_strerror(rv));
        nng_tls_config_free(c);
        return rv;
    }
    *out = c;
    return 0;
}
