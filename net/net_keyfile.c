/* Sealed key files (net_keyfile.h): scrypt and AES-256-GCM from OpenSSL's EVP. */
#include "net_keyfile.h"

#include "ldg_hash.h"
#include "ldg_limits.h"
#include "ldg_key.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SALT_LEN = 16, NONCE_LEN = 12, SECRET_LEN = 32, TAG_LEN = 16 };

/* scrypt needs 128 * N * r bytes; OpenSSL refuses more than maxmem. */
static bool derive(uint8_t key[32], const char *pass, const uint8_t salt[SALT_LEN], unsigned logn,
                   unsigned r, unsigned p)
{
    uint64_t n = 1ULL << logn;
    uint64_t maxmem = 129ULL * n * r + (1u << 20);
    return EVP_PBE_scrypt(pass, strlen(pass), salt, SALT_LEN, n, r, p, maxmem, key, 32) == 1;
}

/* AES-256-GCM one shot: enc 1 seals in -> out and writes tag, enc 0 opens and checks tag. */
static bool gcm(int enc, const uint8_t key[32], const uint8_t nonce[NONCE_LEN], const char *aad,
                const uint8_t in[SECRET_LEN], uint8_t out[SECRET_LEN], uint8_t tag[TAG_LEN])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
              EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1 &&
              EVP_CipherUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
              EVP_CipherUpdate(c, out, &len, in, SECRET_LEN) == 1 && len == SECRET_LEN &&
              (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
              EVP_CipherFinal_ex(c, out + len, &fin) == 1 && fin == 0 &&
              (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(c);
    return ok;
}

ldg_err net_keyfile_seal(char *out, size_t out_len, const uint8_t secret[32], const char *pass)
{
    size_t pl = strlen(pass);
    if (pl == 0 || pl > NET_PASSPHRASE_MAX || out_len < NET_KEY_FILE_MAX)
        return LDG_ERR_INVALID;
    uint8_t salt[SALT_LEN], nonce[NONCE_LEN], key[32], ct[SECRET_LEN], tag[TAG_LEN];
    if (ldg_random(salt, sizeof salt) != LDG_OK || ldg_random(nonce, sizeof nonce) != LDG_OK)
        return LDG_ERR_CRYPTO;
    char sh[2 * SALT_LEN + 1], nh[2 * NONCE_LEN + 1], ch[2 * SECRET_LEN + 1], th[2 * TAG_LEN + 1];
    ldg_hex_encode(sh, salt, SALT_LEN);
    ldg_hex_encode(nh, nonce, NONCE_LEN);
    int n = snprintf(out, out_len, NET_KEYFILE_MAGIC "scrypt:%d:8:1:%s:%s:", NET_KEY_SCRYPT_LOG_N,
                     sh, nh);
    bool ok = derive(key, pass, salt, NET_KEY_SCRYPT_LOG_N, 8, 1) &&
              gcm(1, key, nonce, out, secret, ct, tag);
    explicit_bzero(key, sizeof key);
    if (!ok)
        return LDG_ERR_CRYPTO;
    ldg_hex_encode(ch, ct, SECRET_LEN);
    ldg_hex_encode(th, tag, TAG_LEN);
    snprintf(out + n, out_len - (size_t)n, "%s:%s\n", ch, th);
    return LDG_OK;
}

bool net_keyfile_sealed(const uint8_t *text, size_t len)
{
    size_t m = strlen(NET_KEYFILE_MAGIC);
    return len >= m && memcmp(text, NET_KEYFILE_MAGIC, m) == 0;
}

static bool hex_field(const char *s, size_t len, uint8_t *out, size_t n)
{
    char buf[2 * SECRET_LEN + 1];
    if (len != 2 * n || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return ldg_hex_decode(out, n, buf) == 0;
}

static bool small_uint(const char *s, size_t len, unsigned max, unsigned *out)
{
    if (len == 0 || len > 2 || (len == 2 && s[0] == '0'))
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return v >= 1 && v <= max;
}

static ldg_err open_clear(const uint8_t *text, size_t len, uint8_t secret[32])
{
    if (len == 2 * SECRET_LEN + 1 && text[len - 1] == '\n')
        len--;
    return hex_field((const char *)text, len, secret, SECRET_LEN) ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err net_keyfile_open(const uint8_t *text, size_t len, const char *pass, uint8_t secret[32])
{
    if (len > NET_KEY_FILE_MAX)
        return LDG_ERR_CORRUPT;
    if (!net_keyfile_sealed(text, len))
        return open_clear(text, len, secret);
    char line[NET_KEY_FILE_MAX + 1];
    memcpy(line, text, len);
    line[len] = '\0';
    if (len == 0 || line[len - 1] != '\n')
        return LDG_ERR_CORRUPT;
    line[--len] = '\0';
    /* Fields after the magic: scrypt, LOGN, R, P, SALT, NONCE, CIPHERTEXT, TAG. */
    const char *f[8];
    size_t fl[8], k = 0;
    const char *p = line + strlen(NET_KEYFILE_MAGIC);
    while (k < 8) {
        const char *c = strchr(p, ':');
        f[k] = p;
        fl[k] = c ? (size_t)(c - p) : strlen(p);
        k++;
        if (!c)
            break;
        p = c + 1;
    }
    unsigned logn, r, par;
    uint8_t salt[SALT_LEN], nonce[NONCE_LEN], ct[SECRET_LEN], tag[TAG_LEN], key[32];
    if (k != 8 || f[7] + fl[7] != line + len || fl[0] != 6 || memcmp(f[0], "scrypt", 6) != 0 ||
        !small_uint(f[1], fl[1], NET_KEY_SCRYPT_LOG_N_MAX, &logn) ||
        !small_uint(f[2], fl[2], NET_KEY_SCRYPT_R_MAX, &r) ||
        !small_uint(f[3], fl[3], NET_KEY_SCRYPT_P_MAX, &par) ||
        !hex_field(f[4], fl[4], salt, SALT_LEN) || !hex_field(f[5], fl[5], nonce, NONCE_LEN) ||
        !hex_field(f[6], fl[6], ct, SECRET_LEN) || !hex_field(f[7], fl[7], tag, TAG_LEN))
        return LDG_ERR_CORRUPT;
    if (!pass)
        return LDG_ERR_DENIED;
    char aad[NET_KEY_FILE_MAX + 1];
    size_t al = (size_t)(f[6] - line);
    memcpy(aad, line, al);
    aad[al] = '\0';
    bool ok = derive(key, pass, salt, logn, r, par) && gcm(0, key, nonce, aad, ct, secret, tag);
    explicit_bzero(key, sizeof key);
    if (!ok) {
        explicit_bzero(secret, SECRET_LEN);
        return LDG_ERR_CRYPTO;
    }
    return LDG_OK;
}
