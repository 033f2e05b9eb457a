/* Two-level (cross-chain) proof bundles (specs/chains.md §6): a fact on a sub-chain, proved
 * to someone who trusts only the main chain's genesis. The main-chain bundle proves that the
 * main chain stored sub-chain block X's header as a checkpoint (it verified X's certificate
 * against the registered validator set when it did); the sub-chain bundle's header X must be
 * that header byte for byte, and its facts lead to the root header X carries. */
#include "chn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static ldg_proof_rc xfail(chn_xclaim *c, ldg_proof_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ldg_proof_rc xfail(chn_xclaim *c, ldg_proof_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    return rc;
}

void chn_xproof_encode(ldg_enc *e, const char *id, uint64_t anchor_height, const uint8_t *main_b,
                       size_t main_len, const uint8_t *sub_b, size_t sub_len)
{
    ldg_enc_array(e, 6);
    ldg_enc_str(e, CHN_XPROOF_MAGIC);
    ldg_enc_u64(e, CHN_XPROOF_VERSION);
    ldg_enc_str(e, id);
    ldg_enc_u64(e, anchor_height);
    ldg_enc_bin(e, main_b, main_len);
    ldg_enc_bin(e, sub_b, sub_len);
}

bool chn_xproof_sniff(const uint8_t *b, size_t len)
{
    /* fixarray(6), fixstr(12) "folio-xproof" */
    return len > 14 && b[0] == 0x96 && b[1] == 0xac && !memcmp(b + 2, CHN_XPROOF_MAGIC, 12);
}

/* The main-chain fact must be the checkpoint key of (id, X), present, holding a checkpoint. */
static ldg_proof_rc check_link(chn_xclaim *c, chn_checkpoint *cp, ldg_dec *d)
{
    uint8_t k[CHN_KEY_CHECKPOINT_LEN];
    chn_checkpoint_key(k, c->id, c->anchor_height);
    const ldg_proof_claim *m = &c->main;
    if (m->kind != LDG_PROOF_KIND_KEY || m->key_len != sizeof k || memcmp(m->key, k, sizeof k))
        return xfail(c, LDG_PROOF_KEY,
                     "the main-chain bundle does not prove the checkpoint key of sub-chain '%s' "
                     "at height %llu",
                     c->id, (unsigned long long)c->anchor_height);
    if (!m->present)
        return xfail(c, LDG_PROOF_VALUE,
                     "the main chain keeps no checkpoint of '%s' at height %llu at main height "
                     "%llu: never anchored, or no longer kept (older than the newest "
                     "chains.retention checkpoints)",
                     c->id, (unsigned long long)c->anchor_height, (unsigned long long)m->height);
    if (ldg_decode(d, m->value, m->value_len) != LDG_OK)
        return xfail(c, LDG_PROOF_VALUE, "the anchored checkpoint does not decode");
    if (!chn_checkpoint_decode_obj(cp, d->root)) {
        ldg_dec_free(d);
        return xfail(c, LDG_PROOF_VALUE, "the anchored value is not a checkpoint");
    }
    return LDG_PROOF_OK;
}

ldg_proof_rc chn_xproof_verify(const uint8_t *b, size_t len, const uint8_t *main_genesis,
                               size_t glen, chn_xclaim *c)
{
    memset(c, 0, sizeof *c);
    if (len > CHN_XPROOF_MAX)
        return xfail(c, LDG_PROOF_TOO_LARGE, "the bundle is %zu bytes; at most %d", len,
                     CHN_XPROOF_MAX);
    ldg_dec d;
    if (len == 0 || ldg_decode(&d, b, len) != LDG_OK)
        return xfail(c, LDG_PROOF_MALFORMED, "the bundle is not one canonical msgpack value");
    const msgpack_object *f;
    uint64_t version;
    const uint8_t *mb, *sb;
    size_t ml, sl;
    ldg_proof_rc rc = LDG_PROOF_OK;
    if (!ldg_obj_array(d.root, 6, &f) || f[0].type != MSGPACK_OBJECT_STR ||
        f[0].via.str.size != strlen(CHN_XPROOF_MAGIC) ||
        memcmp(f[0].via.str.ptr, CHN_XPROOF_MAGIC, strlen(CHN_XPROOF_MAGIC)))
        rc = xfail(c, LDG_PROOF_NOT_A_BUNDLE,
                   "not a two-level bundle (an array of 6 beginning with \"folio-xproof\")");
    else if (!ldg_obj_u64(&f[1], &version) || version != CHN_XPROOF_VERSION)
        rc = xfail(c, LDG_PROOF_BAD_VERSION, "two-level bundle version other than 1");
    else if (!ldg_obj_str(&f[2], c->id, CHN_ID_LEN_MAX, false) || !chn_id_valid(c->id) ||
             !ldg_obj_u64(&f[3], &c->anchor_height) || c->anchor_height == 0 ||
             !ldg_obj_bin_ref(&f[4], LDG_PROOF_BUNDLE_MAX, &mb, &ml) ||
             !ldg_obj_bin_ref(&f[5], LDG_PROOF_BUNDLE_MAX, &sb, &sl))
        rc = xfail(c, LDG_PROOF_MALFORMED,
                   "fields are not [magic, 1, sub-chain id, height >= 1, main bundle bin, sub "
                   "bundle bin]");
    if (rc != LDG_PROOF_OK) {
        ldg_dec_free(&d);
        return rc;
    }
    rc = ldg_proof_verify(mb, ml, main_genesis, glen, &c->main);
    if (rc != LDG_PROOF_OK) {
        xfail(c, rc, "main-chain bundle: %s", c->main.why);
        ldg_dec_free(&d);
        return rc;
    }
    ldg_dec cd;
    chn_checkpoint cp;
    rc = check_link(c, &cp, &cd);
    if (rc == LDG_PROOF_OK) {
        rc = ldg_proof_verify_anchored(sb, sl, cp.header, cp.header_len, &cp.genesis_hash, &c->sub);
        if (rc != LDG_PROOF_OK)
            xfail(c, rc, "sub-chain bundle: %s", c->sub.why);
        ldg_dec_free(&cd);
    }
    ldg_dec_free(&d);
    return rc;
}

void chn_xclaim_free(chn_xclaim *c)
{
    ldg_proof_claim_free(&c->main);
    ldg_proof_claim_free(&c->sub);
}
