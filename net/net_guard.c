/* The signing guard (net_guard.h). */
#include "net_guard.h"
#include "net_home.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void net_guard_init(net_guard *g, const char *home, const ldg_keypair *key)
{
    net_home_path(g->path, home, "consensus.state");
    snprintf(g->dir, sizeof g->dir, "%s", home);
    g->key = key;
}

#define STATE_MAGIC "FOLIOCS1"

bool net_guard_persist(net_guard *g, const net_cons_persisted *p)
{
    uint8_t hdr[16];
    memcpy(hdr, STATE_MAGIC, 8);
    uint32_t ver = 1, size = (uint32_t)sizeof *p;
    memcpy(hdr + 8, &ver, 4);
    memcpy(hdr + 12, &size, 4);
    ldg_hash sum;
    ldg_sha256(&sum, p, sizeof *p);
    char tmp[NET_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", g->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return false;
    bool ok = write(fd, hdr, sizeof hdr) == (ssize_t)sizeof hdr &&
              write(fd, p, sizeof *p) == (ssize_t)sizeof *p &&
              write(fd, sum.b, sizeof sum.b) == (ssize_t)sizeof sum.b && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, g->path) == 0;
    if (ok) {
        int dfd = open(g->dir, O_RDONLY | O_DIRECTORY);
        ok = dfd >= 0 && fsync(dfd) == 0;
        if (dfd >= 0)
            close(dfd);
    }
    return ok;
}

int net_guard_restore(const net_guard *g, net_cons_persisted *p)
{
    FILE *f = fopen(g->path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    uint8_t hdr[16];
    ldg_hash sum, want;
    bool ok = fread(hdr, 1, sizeof hdr, f) == sizeof hdr &&
              fread(p, 1, sizeof *p, f) == sizeof *p &&
              fread(want.b, 1, sizeof want.b, f) == sizeof want.b;
    fclose(f);
    uint32_t size = 0;
    if (ok)
        memcpy(&size, hdr + 12, 4);
    ok = ok && !memcmp(hdr, STATE_MAGIC, 8) && size == sizeof *p;
    if (ok) {
        ldg_sha256(&sum, p, sizeof *p);
        ok = !memcmp(sum.b, want.b, LDG_HASH_LEN);
    }
    return ok ? 1 : -1;
}

bool net_guard_sign(void *ctx, uint8_t sig[NET_CONS_SIG_LEN], const uint8_t *msg, size_t len)
{
    net_guard *g = ctx;
    ldg_hash d;
    ldg_sig s;
    net_cons_digest(&d, msg, len);
    if (ldg_sign(&s, g->key, &d) != LDG_OK)
        return false;
    memcpy(sig, s.b, NET_CONS_SIG_LEN);
    return true;
}

bool net_guard_verify(void *ctx, const uint8_t pubkey[NET_CONS_PUBKEY_LEN], const uint8_t *msg,
                      size_t len, const uint8_t sig[NET_CONS_SIG_LEN])
{
    (void)ctx;
    ldg_hash d;
    ldg_sig s;
    ldg_pubkey pk;
    net_cons_digest(&d, msg, len);
    memcpy(s.b, sig, NET_CONS_SIG_LEN);
    memcpy(pk.b, pubkey, NET_CONS_PUBKEY_LEN);
    return ldg_verify(&s, &d, &pk);
}

bool net_guard_signed_by(const uint8_t (*vals)[NET_CONS_PUBKEY_LEN], uint32_t nval,
                         const char *chain_id, const net_cons_msg *m)
{
    if (m->validator >= nval)
        return false;
    uint8_t sb[NET_CONS_SIGN_BYTES_MAX];
    size_t len = net_cons_sign_bytes(sb, (const uint8_t *)chain_id, strlen(chain_id), m);
    return net_guard_verify(NULL, vals[m->validator], sb, len, m->sig);
}

ldg_cert *net_guard_cert(const net_cons_action *a, const char *chain_id, const ldg_pubkey *vals,
                         uint32_t nval)
{
    ldg_cert *cert = calloc(1, sizeof *cert);
    LDG_ASSERT(cert);
    cert->height = a->height;
    cert->round = a->round;
    memcpy(cert->block_hash.b, a->block.b, LDG_HASH_LEN);
    for (size_t i = 0; i < a->list_count && i < LDG_VALIDATORS_MAX; i++) {
        cert->sigs[cert->count].validator = a->list[i].validator;
        memcpy(cert->sigs[cert->count].sig.b, a->list[i].sig, NET_CONS_SIG_LEN);
        cert->count++;
    }
    if (ldg_cert_verify(cert, chain_id, vals, nval))
        return cert;
    free(cert);
    return NULL;
}
