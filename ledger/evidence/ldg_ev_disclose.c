/* The disclosure registration (specs/evidence.md §10): a broker proves on chain, against
 * slice roots it anchored, that an investor was given a disclosure for an instrument and
 * acknowledged it; the assets module's transfer check reads the result
 * (ldg_ev_disclosure_get) for instruments that require it. Deterministic: everything is
 * checked from the transaction and the anchored log entries. */
#include "ldg_ev.h"

#include <string.h>

#define NS 'P'

/* 'P' 'd' investor20 isin */
static size_t disclosure_key(uint8_t *k, const ldg_account *investor, const char *isin)
{
    size_t n = strlen(isin);
    LDG_ASSERT(n <= LDG_EV_ISIN_LEN_MAX);
    k[0] = NS;
    k[1] = 'd';
    memcpy(k + 2, investor->b, LDG_ACCOUNT_LEN);
    memcpy(k + 2 + LDG_ACCOUNT_LEN, isin, n);
    return 2 + LDG_ACCOUNT_LEN + n;
}

ldg_err ldg_ev_disclosure_get(ldg_state *st, const ldg_account *investor, const char *isin,
                              bool *found)
{
    uint8_t k[2 + LDG_ACCOUNT_LEN + LDG_EV_ISIN_LEN_MAX];
    const uint8_t *v;
    size_t vl;
    *found = false;
    if (strlen(isin) > LDG_EV_ISIN_LEN_MAX)
        return LDG_OK;
    return ldg_state_get(st, k, disclosure_key(k, investor, isin), &v, &vl, found);
}

/* One proved record of the payload. */
typedef struct proved {
    const uint8_t *rec, *line;
    size_t rec_len, line_len;
    ldg_hash salt, root, id;
    uint64_t index;
    uint32_t path_len;
    ldg_hash path[LDG_EV_PATH_MAX];
    ldg_ev_record r;
} proved;

static bool proved_decode(const msgpack_object *o, proved *p)
{
    const msgpack_object *f, *path;
    if (!ldg_obj_array(o, 6, &f) || !ldg_obj_bin_ref(&f[0], 4096, &p->rec, &p->rec_len) ||
        !ldg_obj_bin_ref(&f[1], LDG_EV_LINE_MAX, &p->line, &p->line_len) ||
        !ldg_obj_bin(&f[2], p->salt.b, LDG_HASH_LEN) || !ldg_obj_u64(&f[3], &p->index) ||
        !ldg_obj_array_any(&f[4], LDG_EV_PATH_MAX, &path, &p->path_len) ||
        !ldg_obj_bin(&f[5], p->root.b, LDG_HASH_LEN))
        return false;
    for (uint32_t i = 0; i < p->path_len; i++)
        if (!ldg_obj_bin(&path[i], p->path[i].b, LDG_HASH_LEN))
            return false;
    return true;
}

/* The record is in a slice the sender anchored, whole (its line given). */
static ldg_result proved_check(ldg_txctx *c, proved *p, const char *what)
{
    ldg_ev_entry en;
    bool found;
    if (ldg_ev_entry_by_root(c->st, &p->root, &en, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found || memcmp(en.subject.b, c->sender.b, LDG_ACCOUNT_LEN) != 0) {
        ldg_txctx_detail(c, "the %s's slice is not anchored by the sender", what);
        return LDG_R_EV_NOT_ANCHORED;
    }
    ldg_hash ph, leaf;
    if (!ldg_ev_record_decode(&p->r, p->rec, p->rec_len) ||
        memcmp(p->r.subject.b, c->sender.b, LDG_ACCOUNT_LEN) != 0) {
        ldg_txctx_detail(c, "the %s record does not decode or is not the sender's", what);
        return LDG_R_EV_NOT_INCLUDED;
    }
    ldg_ev_th(&ph, LDG_TAG_EV_PAYLOAD, p->line_len ? p->line : (const uint8_t *)"", p->line_len);
    ldg_ev_record_id(&p->id, p->rec, p->rec_len);
    ldg_ev_leaf(&leaf, &p->salt, &p->id);
    if (memcmp(ph.b, p->r.payload_hash.b, LDG_HASH_LEN) != 0 ||
        !ldg_ev_path_verify(&leaf, p->index, en.record_count, p->path, p->path_len, &p->root)) {
        ldg_txctx_detail(c,
                         "the %s record's line or inclusion path does not match its anchored "
                         "slice",
                         what);
        return LDG_R_EV_NOT_INCLUDED;
    }
    return LDG_R_OK;
}

/* Whether the PAYLOAD field (after the line's third tab) holds the token `key=value`,
 * tokens separated by spaces or tabs. */
static bool has_token(const proved *p, const char *key, const char *value)
{
    const uint8_t *s = p->line, *end = p->line + p->line_len;
    for (int tabs = 0; s < end && tabs < 3; s++)
        tabs += *s == '\t';
    size_t kl = strlen(key), vl = strlen(value);
    while (s < end) {
        const uint8_t *t = s;
        while (t < end && *t != ' ' && *t != '\t')
            t++;
        if ((size_t)(t - s) == kl + 1 + vl && !memcmp(s, key, kl) && s[kl] == '=' &&
            !memcmp(s + kl + 1, value, vl))
            return true;
        s = t + (t < end);
    }
    return false;
}

static ldg_result content_check(ldg_txctx *c, const proved *d, const proved *a,
                                const ldg_account *investor, const char *isin)
{
    char hex[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(hex, investor);
    bool linked = false;
    for (uint32_t i = 0; i < a->r.link_count; i++)
        linked |= !memcmp(a->r.links[i].b, d->id.b, LDG_HASH_LEN);
    const char *why = NULL;
    if (strcmp(d->r.type, "disclosure") != 0)
        why = "the first record's type is not disclosure";
    else if (!has_token(d, "investor", hex) || !has_token(d, "isin", isin))
        why = "the disclosure's line does not name investor=ACCOUNT and isin=ISIN";
    else if (strcmp(a->r.type, "ack") != 0)
        why = "the second record's type is not ack";
    else if (!linked)
        why = "the acknowledgement does not link to the disclosure";
    else if (!has_token(a, "investor", hex))
        why = "the acknowledgement's line does not name investor=ACCOUNT";
    else if (a->r.time_ms < d->r.time_ms)
        why = "the acknowledgement is earlier than the disclosure";
    if (!why)
        return LDG_R_OK;
    ldg_txctx_detail(c, "%s", why);
    return LDG_R_EV_NOT_DISCLOSURE;
}

/* evidence.disclose: [investor bin20, isin text, disclosure item, ack item] */
static ldg_result apply_disclose(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    ldg_account investor;
    char isin[LDG_EV_ISIN_LEN_MAX + 1];
    static proved d, a; /* ~2 KiB each with their paths; the executor is single-threaded */
    if (!ldg_obj_array(payload, 4, &f) || !ldg_obj_bin(&f[0], investor.b, LDG_ACCOUNT_LEN) ||
        !ldg_obj_str(&f[1], isin, LDG_EV_ISIN_LEN_MAX, false) || !proved_decode(&f[2], &d) ||
        !proved_decode(&f[3], &a))
        return LDG_R_BAD_PAYLOAD;
    ldg_result r = proved_check(c, &d, "disclosure");
    if (r == LDG_R_OK)
        r = proved_check(c, &a, "acknowledgement");
    if (r == LDG_R_OK)
        r = content_check(c, &d, &a, &investor, isin);
    if (r != LDG_R_OK)
        return r;
    uint8_t k[2 + LDG_ACCOUNT_LEN + LDG_EV_ISIN_LEN_MAX];
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_bin(&e, d.id.b, LDG_HASH_LEN);
    ldg_enc_bin(&e, a.id.b, LDG_HASH_LEN);
    ldg_enc_u64(&e, c->env->height);
    ldg_state_put(c->st, k, disclosure_key(k, &investor, isin), ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    char dh[17], ah[17];
    ldg_hex_encode(dh, d.id.b, 8);
    ldg_hex_encode(ah, a.id.b, 8);
    ldg_txctx_detail(c, "disclosure %s… acknowledged by %s… registered for %s", dh, ah, isin);
    return LDG_R_OK;
}

const ldg_tx_type ldg_ev_disclose_type = {LDG_TX_EV_DISCLOSE, "evidence.disclose", LDG_ROLE_BROKER,
                                          apply_disclose};

/* ---- mirrors (§2.4): another member's signed "stored" attestation of a slice ---- */

/* 'P' 'm' slice_root32 attester20 -> height; 'P' 'c' slice_root32 -> copies u64 */
static size_t attest_key(uint8_t *k, const ldg_hash *root, const ldg_account *who)
{
    k[0] = NS;
    k[1] = 'm';
    memcpy(k + 2, root->b, LDG_HASH_LEN);
    memcpy(k + 2 + LDG_HASH_LEN, who->b, LDG_ACCOUNT_LEN);
    return 2 + LDG_HASH_LEN + LDG_ACCOUNT_LEN;
}

ldg_err ldg_ev_copies_get(ldg_state *st, const ldg_hash *root, uint64_t *copies)
{
    uint8_t k[2 + LDG_HASH_LEN] = {NS, 'c'};
    memcpy(k + 2, root->b, LDG_HASH_LEN);
    return ldg_state_get_u64(st, k, sizeof k, copies);
}

/* evidence.attest: [slice_root bin32]: the sender keeps a copy it verified against the
 * anchor. */
static ldg_result apply_attest(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    ldg_hash root;
    if (!ldg_obj_array(payload, 1, &f) || !ldg_obj_bin(&f[0], root.b, LDG_HASH_LEN))
        return LDG_R_BAD_PAYLOAD;
    ldg_ev_entry en;
    bool found;
    if (ldg_ev_entry_by_root(c->st, &root, &en, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return LDG_R_EV_NOT_ANCHORED;
    if (!memcmp(en.subject.b, c->sender.b, LDG_ACCOUNT_LEN))
        return LDG_R_EV_OWN_SLICE;
    uint8_t k[2 + LDG_HASH_LEN + LDG_ACCOUNT_LEN];
    size_t kl = attest_key(k, &root, &c->sender);
    const uint8_t *v;
    size_t vl;
    if (ldg_state_get(c->st, k, kl, &v, &vl, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found)
        return LDG_R_EV_ATTESTED;
    uint64_t copies;
    if (ldg_ev_copies_get(c->st, &root, &copies) != LDG_OK)
        return LDG_R_STORE_FAILED;
    ldg_state_put_u64(c->st, k, kl, c->env->height);
    uint8_t ck[2 + LDG_HASH_LEN] = {NS, 'c'};
    memcpy(ck + 2, root.b, LDG_HASH_LEN);
    ldg_state_put_u64(c->st, ck, sizeof ck, copies + 1);
    ldg_txctx_detail(c, "copy %llu of the slice attested", (unsigned long long)copies + 1);
    return LDG_R_OK;
}

const ldg_tx_type ldg_ev_attest_type = {LDG_TX_EV_ATTEST, "evidence.attest",
                                        LDG_ROLE_ALL & ~LDG_ROLE_INVESTOR, apply_attest};
