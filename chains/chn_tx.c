/* The registry's transaction types and its STALE hook (specs/chains.md §3-§5). */
#include "chn.h"
#include "gov_module.h"

#include <stdlib.h>
#include <string.h>

static const ldg_result_info chn_results[] = {
    {CHN_R_UNKNOWN, "CHN_UNKNOWN", "no sub-chain is registered with this id"},
    {CHN_R_EXISTS, "CHN_EXISTS", "a sub-chain with this id or this genesis is already registered"},
    {CHN_R_RETIRED, "CHN_RETIRED", "the sub-chain is retired"},
    {CHN_R_PAUSED, "CHN_PAUSED", "the sub-chain is paused: it takes no checkpoint"},
    {CHN_R_FROZEN, "CHN_FROZEN",
     "the sub-chain is frozen after an equivocation: it takes no checkpoint until the "
     "committee unfreezes it"},
    {CHN_R_WRONG_CHAIN, "CHN_WRONG_CHAIN",
     "the header is of another chain than the sub-chain's registered chain id (or the chain id "
     "is the main chain's own)"},
    {CHN_R_BAD_HEADER, "CHN_BAD_HEADER",
     "the checkpoint header does not decode as a block header of height 1 or more"},
    {CHN_R_CERT_BLOCK, "CHN_CERT_BLOCK",
     "the certificate is for another block than the checkpoint header"},
    {CHN_R_FEW_SIGNERS, "CHN_FEW_SIGNERS",
     "the certificate has fewer signatures than a quorum of the sub-chain's validator set"},
    {CHN_R_BAD_SIGNER, "CHN_BAD_SIGNER",
     "a certificate signature names no validator of the set, names one twice, or does not "
     "verify"},
    {CHN_R_BACKWARDS, "CHN_BACKWARDS",
     "the checkpoint is below the last anchored height and no checkpoint is stored at its "
     "height"},
    {CHN_R_DUPLICATE, "CHN_DUPLICATE", "this block is already anchored"},
    {CHN_R_OLD_SET, "CHN_OLD_SET",
     "the checkpoint is older than the validator set the registry keeps for the sub-chain"},
    {CHN_R_BAD_VALSET, "CHN_BAD_VALSET",
     "the validator set is empty, too large, repeats a key, holds an invalid key, or starts at "
     "a height already anchored"},
    {CHN_R_BAD_STATUS, "CHN_BAD_STATUS", "the action does not apply in the sub-chain's status"},
    {CHN_R_BAD_PERIOD, "CHN_BAD_PERIOD", "the anchoring period is outside 1 second .. 30 days"},
    {CHN_R_BAD_ID, "CHN_BAD_ID", "a sub-chain id is 1..16 of a-z, 0-9 and '-'"},
    {CHN_R_EV_MISMATCH, "CHN_EV_MISMATCH",
     "the two votes are of different heights, rounds or steps: they do not conflict"},
    {CHN_R_EV_SAME_BLOCK, "CHN_EV_SAME_BLOCK",
     "the two votes are for the same block: they do not conflict"},
    {CHN_R_EV_NOT_VALIDATOR, "CHN_EV_NOT_VALIDATOR",
     "the key is not in the sub-chain's registered validator set of the votes' height"},
    {CHN_R_EV_BAD_SIG, "CHN_EV_BAD_SIG", "a vote's signature does not verify under the key"},
    {CHN_R_EV_KNOWN, "CHN_EV_KNOWN",
     "evidence against this validator at this height is already recorded"},
    {CHN_R_EV_FULL, "CHN_EV_FULL",
     "the sub-chain keeps the most evidence records it may (CHN_EVIDENCE_MAX)"},
};

/* ---- state helpers ---- */

static void record_put(ldg_state *st, const chn_record *r)
{
    uint8_t k[CHN_KEY_RECORD_LEN];
    chn_record_key(k, r->id);
    ldg_enc e;
    ldg_enc_init(&e);
    chn_record_encode(&e, r);
    ldg_state_put(st, k, sizeof k, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

#define DL_KEY_LEN (2 + 8 + CHN_ID_LEN_MAX)

static void dl_key(uint8_t k[DL_KEY_LEN], uint64_t deadline, const char *id)
{
    k[0] = CHN_KEY_NS;
    k[1] = CHN_KEY_DEADLINE;
    for (int i = 0; i < 8; i++)
        k[2 + i] = (uint8_t)(deadline >> (56 - 8 * i));
    memset(k + 10, 0, CHN_ID_LEN_MAX);
    memcpy(k + 10, id, strlen(id));
}

/* The deadline queue holds exactly the ACTIVE sub-chains (specs/chains.md §5). */
static void dl_del(ldg_state *st, const chn_record *r)
{
    uint8_t k[DL_KEY_LEN];
    dl_key(k, r->deadline_ms, r->id);
    ldg_state_del(st, k, sizeof k);
}

static void dl_put(ldg_state *st, chn_record *r, uint64_t deadline)
{
    static const uint8_t nil = 0xc0;
    uint8_t k[DL_KEY_LEN];
    r->deadline_ms = deadline;
    dl_key(k, deadline, r->id);
    ldg_state_put(st, k, sizeof k, &nil, 1);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Loads the record of a decoded id: refused if the id is malformed or names no sub-chain. */
static ldg_result load_id(ldg_txctx *c, const char *id, chn_record *r)
{
    if (!chn_id_valid(id))
        return CHN_R_BAD_ID;
    bool found;
    ldg_err err = chn_record_get(c->st, id, r, &found);
    if (err != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found) {
        ldg_txctx_detail(c, "no sub-chain '%s'", id);
        return CHN_R_UNKNOWN;
    }
    return LDG_R_OK;
}

/* Decodes the id field, loads the record. */
static ldg_result load(ldg_txctx *c, const msgpack_object *o, chn_record *r)
{
    char id[CHN_ID_LEN_MAX + 1];
    if (!ldg_obj_str(o, id, CHN_ID_LEN_MAX, false))
        return o->type == MSGPACK_OBJECT_STR ? CHN_R_BAD_ID : LDG_R_BAD_PAYLOAD;
    return load_id(c, id, r);
}

/* The refusal of a payload of `n` fields that did not decode: an over-long id is an id of the
 * wrong form, anything else a bad payload. */
static ldg_result undecoded(const msgpack_object *payload, uint32_t n)
{
    const msgpack_object *f;
    return ldg_obj_array(payload, n, &f) && f[0].type == MSGPACK_OBJECT_STR &&
                   f[0].via.str.size > CHN_ID_LEN_MAX
               ? CHN_R_BAD_ID
               : LDG_R_BAD_PAYLOAD;
}

static ldg_result valset_check(ldg_txctx *c, const msgpack_object *o, chn_valset *s)
{
    const msgpack_object *k;
    uint32_t n;
    if (!ldg_obj_array_any(o, UINT32_MAX, &k, &n))
        return LDG_R_BAD_PAYLOAD;
    if (n == 0 || n > LDG_VALIDATORS_MAX) {
        ldg_txctx_detail(c, "a validator set holds 1..%d keys, not %u", LDG_VALIDATORS_MAX, n);
        return CHN_R_BAD_VALSET;
    }
    s->count = n;
    for (uint32_t i = 0; i < n; i++) {
        if (!ldg_obj_bin(&k[i], s->keys[i].b, LDG_PUBKEY_LEN))
            return LDG_R_BAD_PAYLOAD;
        if (!ldg_pubkey_valid(&s->keys[i])) {
            ldg_txctx_detail(c, "validator key %u is not a valid x-only key", i);
            return CHN_R_BAD_VALSET;
        }
        for (uint32_t j = 0; j < i; j++)
            if (!memcmp(s->keys[j].b, s->keys[i].b, LDG_PUBKEY_LEN)) {
                ldg_txctx_detail(c, "validator keys %u and %u are the same", j, i);
                return CHN_R_BAD_VALSET;
            }
    }
    return LDG_R_OK;
}

/* A period of 0 is the governed chains.anchor_period_ms in force at this block (within the
 * bounds below: governance.md §5 bounds it to 1 s .. 1 day). */
static ldg_result period_check(ldg_txctx *c, const msgpack_object *o, uint64_t *p)
{
    if (!ldg_obj_u64(o, p))
        return LDG_R_BAD_PAYLOAD;
    if (*p == 0 && gov_param_get(c->st, "chains.anchor_period_ms", p) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (*p < CHN_PERIOD_MIN_MS || *p > CHN_PERIOD_MAX_MS) {
        ldg_txctx_detail(c, "period %llu ms", (unsigned long long)*p);
        return CHN_R_BAD_PERIOD;
    }
    return LDG_R_OK;
}

static ldg_result status_refusal(const chn_record *r)
{
    switch (r->status) {
    case CHN_RETIRED:
        return CHN_R_RETIRED;
    case CHN_PAUSED:
        return CHN_R_PAUSED;
    case CHN_FROZEN:
        return CHN_R_FROZEN;
    default:
        return LDG_R_OK;
    }
}

/* ---- committee actions ---- */

/* [id, business, chain_id, genesis_hash, [key...], period_ms, account] */
static ldg_result apply_create(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    static chn_record zero;
    chn_record r = zero;
    if (!ldg_obj_array(payload, 7, &f))
        return LDG_R_BAD_PAYLOAD;
    if (!ldg_obj_str(&f[0], r.id, CHN_ID_LEN_MAX, false) || !chn_id_valid(r.id))
        return f[0].type == MSGPACK_OBJECT_STR ? CHN_R_BAD_ID : LDG_R_BAD_PAYLOAD;
    if (!ldg_obj_str(&f[1], r.business, CHN_BUSINESS_LEN_MAX, false) ||
        !ldg_obj_str(&f[2], r.chain_id, LDG_CHAIN_ID_LEN_MAX, false) ||
        !ldg_obj_bin(&f[3], r.genesis_hash.b, LDG_HASH_LEN) ||
        !ldg_obj_bin(&f[6], r.account.b, LDG_ACCOUNT_LEN))
        return LDG_R_BAD_PAYLOAD;
    ldg_result res = valset_check(c, &f[4], &r.set);
    if (res == LDG_R_OK)
        res = period_check(c, &f[5], &r.period_ms);
    if (res != LDG_R_OK)
        return res;
    if (!strcmp(r.chain_id, c->env->chain_id))
        return CHN_R_WRONG_CHAIN;
    ldg_participant p;
    bool found;
    if (ldg_participant_get(c->st, &r.account, &p, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return LDG_R_UNKNOWN_ACCOUNT;
    chn_record old;
    if (chn_record_get(c->st, r.id, &old, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    uint8_t gk[2 + LDG_HASH_LEN] = {CHN_KEY_NS, CHN_KEY_GENESIS};
    memcpy(gk + 2, r.genesis_hash.b, LDG_HASH_LEN);
    const uint8_t *v;
    size_t vl;
    bool gfound;
    if (ldg_state_get(c->st, gk, sizeof gk, &v, &vl, &gfound) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found || gfound) {
        ldg_txctx_detail(c, found ? "id '%s' is taken" : "genesis of '%s' is registered", r.id);
        return CHN_R_EXISTS;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_str(&e, r.id);
    ldg_state_put(c->st, gk, sizeof gk, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    r.status = CHN_ACTIVE;
    r.set.since = 0;
    r.anchored_height = c->env->height;
    r.anchored_ms = c->env->time_ms;
    r.created_height = c->env->height;
    dl_put(c->st, &r, add_sat(c->env->time_ms, r.period_ms));
    record_put(c->st, &r);
    ldg_txctx_detail(c, "sub-chain '%s' (%s) registered with %u validators", r.id, r.chain_id,
                     r.set.count);
    return LDG_R_OK;
}

/* [id]: pause, resume, retire, unfreeze. */
static ldg_result apply_status(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    chn_record r;
    if (!ldg_obj_array(payload, 1, &f))
        return LDG_R_BAD_PAYLOAD;
    ldg_result res = load(c, &f[0], &r);
    if (res != LDG_R_OK)
        return res;
    if (r.status == CHN_RETIRED)
        return CHN_R_RETIRED;
    uint64_t was = r.status, to;
    switch (c->tx->type) {
    case CHN_TX_PAUSE:
        res = was == CHN_ACTIVE || was == CHN_STALE ? LDG_R_OK : CHN_R_BAD_STATUS;
        to = CHN_PAUSED;
        break;
    case CHN_TX_RESUME:
        res = was == CHN_PAUSED ? LDG_R_OK : CHN_R_BAD_STATUS;
        to = CHN_ACTIVE;
        break;
    case CHN_TX_UNFREEZE:
        res = was == CHN_FROZEN ? LDG_R_OK : CHN_R_BAD_STATUS;
        to = CHN_ACTIVE;
        break;
    default:
        to = CHN_RETIRED;
        break;
    }
    if (res != LDG_R_OK) {
        ldg_txctx_detail(c, "sub-chain '%s' is %s", r.id, chn_status_name(was));
        return res;
    }
    if (was == CHN_ACTIVE)
        dl_del(c->st, &r);
    r.status = to;
    if (to == CHN_ACTIVE) /* a fresh period from now: it could not anchor meanwhile */
        dl_put(c->st, &r, add_sat(c->env->time_ms, r.period_ms));
    record_put(c->st, &r);
    ldg_txctx_detail(c, "sub-chain '%s': %s -> %s", r.id, chn_status_name(was),
                     chn_status_name(to));
    return LDG_R_OK;
}

/* [id, from_height, [key...]]: certificates of heights >= from_height are checked against
 * the new set (specs/chains.md §4.6). */
static ldg_result apply_set_validators(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    chn_record r;
    uint64_t from;
    if (!ldg_obj_array(payload, 3, &f) || !ldg_obj_u64(&f[1], &from))
        return LDG_R_BAD_PAYLOAD;
    ldg_result res = load(c, &f[0], &r);
    if (res == LDG_R_OK && r.status == CHN_RETIRED)
        res = CHN_R_RETIRED;
    if (res == LDG_R_OK)
        res = valset_check(c, &f[2], &r.next);
    if (res != LDG_R_OK)
        return res;
    if (from <= r.last_height || from <= r.set.since) {
        ldg_txctx_detail(
            c, "the new set must start above height %llu",
            (unsigned long long)(r.last_height > r.set.since ? r.last_height : r.set.since));
        return CHN_R_BAD_VALSET;
    }
    r.next.since = from;
    r.has_next = true;
    record_put(c->st, &r);
    ldg_txctx_detail(c, "sub-chain '%s': %u validators from height %llu", r.id, r.next.count,
                     (unsigned long long)from);
    return LDG_R_OK;
}

/* [id, period_ms]: the deadline becomes the last anchoring's time + the new period. */
static ldg_result apply_set_period(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    chn_record r;
    uint64_t p;
    if (!ldg_obj_array(payload, 2, &f))
        return LDG_R_BAD_PAYLOAD;
    ldg_result res = load(c, &f[0], &r);
    if (res == LDG_R_OK && r.status == CHN_RETIRED)
        res = CHN_R_RETIRED;
    if (res == LDG_R_OK)
        res = period_check(c, &f[1], &p);
    if (res != LDG_R_OK)
        return res;
    r.period_ms = p;
    if (r.status == CHN_ACTIVE) {
        dl_del(c->st, &r);
        dl_put(c->st, &r, add_sat(r.anchored_ms, p));
    }
    record_put(c->st, &r);
    return LDG_R_OK;
}

/* ---- checkpoints ---- */

static ldg_result cert_check(ldg_txctx *c, const chn_checkpoint_tx *cp, const ldg_header *h,
                             const chn_valset *s)
{
    const ldg_cert *ct = &cp->cert;
    ldg_hash hash;
    ldg_tagged_hash(&hash, LDG_TAG_BLOCK, cp->header, cp->header_len);
    if (ct->height != h->height || memcmp(ct->block_hash.b, hash.b, LDG_HASH_LEN)) {
        ldg_txctx_detail(c, "certificate of height %llu, header of height %llu",
                         (unsigned long long)ct->height, (unsigned long long)h->height);
        return CHN_R_CERT_BLOCK;
    }
    if (ct->count < ldg_quorum(s->count)) {
        ldg_txctx_detail(c, "%u signatures; the quorum of %u validators is %u", ct->count, s->count,
                         ldg_quorum(s->count));
        return CHN_R_FEW_SIGNERS;
    }
    bool seen[LDG_VALIDATORS_MAX] = {0};
    for (uint32_t i = 0; i < ct->count; i++) {
        uint32_t v = ct->sigs[i].validator;
        if (v >= s->count || seen[v]) {
            ldg_txctx_detail(c, "signature %u names validator %u %s", i, v,
                             v >= s->count ? "outside the set" : "twice");
            return CHN_R_BAD_SIGNER;
        }
        seen[v] = true;
    }
    /* The same check as a proof bundle's (ldg_cert_verify, encoding.md §5.4); signatures
     * verified ahead of the block (checkpoint_sigjobs) are found in the cache, the others
     * verified here: the verdict is the same either way (specs/chains.md §8.1). */
    if (!ldg_cert_verify_cached(ct, h->chain_id, s->keys, s->count, c->env->sigcache)) {
        ldg_txctx_detail(c, "a signature of the certificate of height %llu does not verify",
                         (unsigned long long)h->height);
        return CHN_R_BAD_SIGNER;
    }
    return LDG_R_OK;
}

/* Reads the stored checkpoint at height h. *found false if none. */
static ldg_result stored_at(ldg_txctx *c, const char *id, uint64_t h, ldg_dec *d,
                            chn_checkpoint *out, bool *found)
{
    uint8_t k[CHN_KEY_CHECKPOINT_LEN];
    chn_checkpoint_key(k, id, h);
    const uint8_t *v;
    size_t vl;
    if (ldg_state_get(c->st, k, sizeof k, &v, &vl, found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!*found)
        return LDG_R_OK;
    if (ldg_decode(d, v, vl) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!chn_checkpoint_decode_obj(out, d->root)) {
        ldg_dec_free(d);
        return LDG_R_STORE_FAILED;
    }
    return LDG_R_OK;
}

#define EV_KEY_LEN (2 + CHN_ID_LEN_MAX + 4)

/* 'M' 'e' id16 be32(n): the sub-chain's next evidence record. */
static void evidence_key(uint8_t k[EV_KEY_LEN], const chn_record *r)
{
    memset(k, 0, EV_KEY_LEN);
    k[0] = CHN_KEY_NS;
    k[1] = CHN_KEY_EVIDENCE;
    memcpy(k + 2, r->id, strlen(r->id));
    for (int i = 0; i < 4; i++)
        k[2 + CHN_ID_LEN_MAX + i] = (uint8_t)(r->evidence_count >> (24 - 8 * i));
}

/* Freezes the sub-chain and stores both signed headers (specs/chains.md §5.2). */
static void freeze(ldg_txctx *c, chn_record *r, const chn_checkpoint *a, uint64_t ha,
                   const chn_checkpoint_tx *b, uint64_t hb, uint64_t kind)
{
    uint8_t k[EV_KEY_LEN];
    evidence_key(k, r);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 8);
    ldg_enc_u64(&e, kind);
    ldg_enc_u64(&e, ha);
    ldg_enc_bin(&e, a->header, a->header_len);
    ldg_cert_encode(&e, &a->cert);
    ldg_enc_u64(&e, hb);
    ldg_enc_bin(&e, b->header, b->header_len);
    ldg_cert_encode(&e, &b->cert);
    ldg_enc_u64(&e, c->env->height);
    ldg_state_put(c->st, k, sizeof k, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    if (r->status == CHN_ACTIVE)
        dl_del(c->st, r);
    r->status = CHN_FROZEN;
    r->evidence_count++;
    record_put(c->st, r);
    ldg_txctx_detail(c,
                     "EQUIVOCATION: sub-chain '%s' signed %s at height %llu; frozen, evidence "
                     "#%llu stored",
                     r->id,
                     kind == 1 ? "two different blocks"
                               : "a block that does not extend "
                                 "the last anchored one",
                     (unsigned long long)hb, (unsigned long long)r->evidence_count - 1);
    c->data[0] = 2;
    c->data_len = 1;
}

typedef struct prune_scan {
    uint32_t n;
    uint8_t keys[CHN_PRUNE_PER_TX][CHN_KEY_CHECKPOINT_LEN];
} prune_scan;

static bool prune_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    prune_scan *s = arg;
    if (kl == CHN_KEY_CHECKPOINT_LEN && s->n < CHN_PRUNE_PER_TX)
        memcpy(s->keys[s->n++], k, CHN_KEY_CHECKPOINT_LEN);
    return s->n < CHN_PRUNE_PER_TX;
}

/* Counts the checkpoint just stored and deletes the oldest while more than the governed
 * chains.retention are kept, at most CHN_PRUNE_PER_TX (specs/chains.md §2.2). The newest is
 * never among them: retention is at least 16. */
static ldg_err keep_retention(ldg_state *st, const char *id)
{
    uint8_t nk[CHN_KEY_RECORD_LEN];
    chn_kept_key(nk, id);
    uint64_t kept, keep;
    ldg_err err = ldg_state_get_u64(st, nk, sizeof nk, &kept);
    if (err == LDG_OK)
        err = gov_param_get(st, "chains.retention", &keep);
    if (err != LDG_OK)
        return err;
    kept++;
    if (keep < 1)
        keep = 1; /* governance bounds it to 16 or more; the newest stays whatever */
    if (kept > keep) {
        uint8_t prefix[2 + CHN_ID_LEN_MAX];
        memcpy(prefix, nk, sizeof prefix);
        prefix[1] = CHN_KEY_CHECKPOINT;
        prune_scan s = {0};
        uint64_t excess = kept - keep;
        size_t max = excess < CHN_PRUNE_PER_TX ? (size_t)excess : CHN_PRUNE_PER_TX;
        err = ldg_state_scan(st, prefix, sizeof prefix, max, prune_row, &s);
        if (err != LDG_OK)
            return err;
        for (uint32_t i = 0; i < s.n && i < max; i++)
            ldg_state_del(st, s.keys[i], CHN_KEY_CHECKPOINT_LEN);
        kept -= s.n < max ? s.n : max;
    }
    ldg_state_put_u64(st, nk, sizeof nk, kept);
    return LDG_OK;
}

static ldg_result accept_checkpoint(ldg_txctx *c, chn_record *r, const chn_checkpoint_tx *cp,
                                    const ldg_header *h, bool next_set)
{
    chn_checkpoint s = {.header = cp->header,
                        .header_len = cp->header_len,
                        .cert = cp->cert,
                        .main_height = c->env->height,
                        .main_time_ms = c->env->time_ms,
                        .genesis_hash = r->genesis_hash};
    uint8_t k[CHN_KEY_CHECKPOINT_LEN];
    chn_checkpoint_key(k, r->id, h->height);
    ldg_enc e;
    ldg_enc_init(&e);
    chn_checkpoint_encode(&e, &s);
    ldg_state_put(c->st, k, sizeof k, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    if (keep_retention(c->st, r->id) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (next_set) {
        r->set = r->next;
        r->has_next = false;
    }
    if (r->status == CHN_ACTIVE)
        dl_del(c->st, r);
    r->status = CHN_ACTIVE;
    r->last_height = h->height;
    r->last_time_ms = h->time_ms;
    ldg_tagged_hash(&r->last_hash, LDG_TAG_BLOCK, cp->header, cp->header_len);
    r->anchored_height = c->env->height;
    r->anchored_ms = c->env->time_ms;
    r->signer_count = cp->cert.count;
    for (uint32_t i = 0; i < cp->cert.count; i++)
        r->signers[i] = cp->cert.sigs[i].validator;
    dl_put(c->st, r, add_sat(c->env->time_ms, r->period_ms));
    record_put(c->st, r);
    ldg_txctx_detail(c, "sub-chain '%s' anchored at height %llu by %u signatures", r->id,
                     (unsigned long long)h->height, cp->cert.count);
    c->data[0] = 1;
    c->data_len = 1;
    return LDG_R_OK;
}

/* The checkpoint's place in the sub-chain's anchored history (specs/chains.md §5.2). */
static ldg_result place(ldg_txctx *c, chn_record *r, const chn_checkpoint_tx *cp,
                        const ldg_header *h, bool next_set)
{
    ldg_dec d;
    chn_checkpoint old;
    bool found;
    ldg_result res = stored_at(c, r->id, h->height, &d, &old, &found);
    if (res != LDG_R_OK)
        return res;
    if (found) {
        bool same =
            old.header_len == cp->header_len && !memcmp(old.header, cp->header, cp->header_len);
        if (!same)
            freeze(c, r, &old, h->height, cp, h->height, 1);
        ldg_dec_free(&d);
        return same ? CHN_R_DUPLICATE : LDG_R_OK;
    }
    if (h->height < r->last_height) {
        ldg_txctx_detail(c, "height %llu; the last anchored is %llu", (unsigned long long)h->height,
                         (unsigned long long)r->last_height);
        return CHN_R_BACKWARDS;
    }
    if (r->last_height > 0 && h->height == r->last_height + 1 &&
        memcmp(h->prev_hash.b, r->last_hash.b, LDG_HASH_LEN)) {
        res = stored_at(c, r->id, r->last_height, &d, &old, &found);
        if (res != LDG_R_OK)
            return res;
        if (!found) /* the record names a last checkpoint that is not stored */
            return LDG_R_STORE_FAILED;
        freeze(c, r, &old, r->last_height, cp, h->height, 2);
        ldg_dec_free(&d);
        return LDG_R_OK;
    }
    return accept_checkpoint(c, r, cp, h, next_set);
}

/* The set a certificate of height h is checked against; NULL if older than the kept set. */
static const chn_valset *set_for(const chn_record *r, uint64_t h, bool *next_set)
{
    *next_set = r->has_next && h >= r->next.since;
    if (*next_set)
        return &r->next;
    return h >= r->set.since ? &r->set : NULL;
}

/* [id, header bin, cert]: anyone registered may relay; nothing in it is trusted. */
static ldg_result apply_checkpoint(ldg_txctx *c, const msgpack_object *payload)
{
    chn_checkpoint_tx cp;
    if (!chn_checkpoint_tx_decode(&cp, payload))
        return undecoded(payload, 3);
    if (!chn_id_valid(cp.id))
        return CHN_R_BAD_ID;
    ldg_header h;
    if (ldg_header_decode(&h, cp.header, cp.header_len) != LDG_OK || h.height == 0)
        return CHN_R_BAD_HEADER;
    chn_record r;
    ldg_result res = load_id(c, cp.id, &r);
    if (res != LDG_R_OK)
        return res;
    res = status_refusal(&r);
    if (res != LDG_R_OK)
        return res;
    if (strcmp(h.chain_id, r.chain_id)) {
        ldg_txctx_detail(c, "header of chain '%s'; '%s' is chain '%s'", h.chain_id, r.id,
                         r.chain_id);
        return CHN_R_WRONG_CHAIN;
    }
    bool next_set;
    const chn_valset *s = set_for(&r, h.height, &next_set);
    if (!s) {
        ldg_txctx_detail(c, "height %llu; the registry keeps the set from height %llu",
                         (unsigned long long)h.height, (unsigned long long)r.set.since);
        return CHN_R_OLD_SET;
    }
    res = cert_check(c, &cp, &h, s);
    if (res != LDG_R_OK)
        return res;
    return place(c, &r, &cp, &h, next_set);
}

/* ---- duplicate-vote evidence (specs/chains.md §5.3) ---- */

#define OFFENCE_KEY_LEN (2 + CHN_ID_LEN_MAX + LDG_PUBKEY_LEN + 8)

/* 'M' 'v' id16 key32 be64(height): present once evidence against key at height is stored. */
static void offence_key(uint8_t k[OFFENCE_KEY_LEN], const char *id, const ldg_pubkey *key,
                        uint64_t h)
{
    memset(k, 0, OFFENCE_KEY_LEN);
    k[0] = CHN_KEY_NS;
    k[1] = CHN_KEY_OFFENCE;
    memcpy(k + 2, id, strlen(id));
    memcpy(k + 2 + CHN_ID_LEN_MAX, key->b, LDG_PUBKEY_LEN);
    for (int i = 0; i < 8; i++)
        k[2 + CHN_ID_LEN_MAX + LDG_PUBKEY_LEN + i] = (uint8_t)(h >> (56 - 8 * i));
}

static const char *vote_name(uint64_t type)
{
    return type == LDG_VOTE_PREVOTE ? "prevotes" : "precommits";
}

/* Whether v carries key's signature over what the sub-chain's validators sign for it. */
static bool vote_signed(const chn_record *r, const ldg_pubkey *key, const chn_vote *v)
{
    ldg_hash msg;
    ldg_vote_hash(&msg, r->chain_id, v->height, v->round, (uint32_t)v->type,
                  v->has_block ? &v->block : NULL);
    return ldg_verify(&v->sig, &msg, key);
}

/* The checks of §5.3 after the record is loaded: votes that conflict, by a validator of the
 * registered set of their height, not recorded yet, room for it, both signatures. *index is
 * the validator's index in that set. */
static ldg_result evidence_check(ldg_txctx *c, const chn_record *r, const chn_evidence_tx *ev,
                                 uint32_t *index)
{
    const chn_vote *a = &ev->a, *b = &ev->b;
    if (a->height != b->height || a->round != b->round || a->type != b->type) {
        ldg_txctx_detail(c,
                         "votes at height %llu round %llu step %llu and height %llu round "
                         "%llu step %llu",
                         (unsigned long long)a->height, (unsigned long long)a->round,
                         (unsigned long long)a->type, (unsigned long long)b->height,
                         (unsigned long long)b->round, (unsigned long long)b->type);
        return CHN_R_EV_MISMATCH;
    }
    if (a->has_block == b->has_block && !memcmp(a->block.b, b->block.b, LDG_HASH_LEN))
        return CHN_R_EV_SAME_BLOCK;
    bool next_set;
    const chn_valset *s = set_for(r, a->height, &next_set);
    if (!s) {
        ldg_txctx_detail(c, "height %llu; the registry keeps the set from height %llu",
                         (unsigned long long)a->height, (unsigned long long)r->set.since);
        return CHN_R_OLD_SET;
    }
    for (*index = 0; *index < s->count; (*index)++)
        if (!memcmp(s->keys[*index].b, ev->key.b, LDG_PUBKEY_LEN))
            break;
    if (*index == s->count) {
        ldg_txctx_detail(c, "the key is none of the %u validators of '%s' at height %llu", s->count,
                         r->id, (unsigned long long)a->height);
        return CHN_R_EV_NOT_VALIDATOR;
    }
    uint8_t k[OFFENCE_KEY_LEN];
    offence_key(k, r->id, &ev->key, a->height);
    const uint8_t *v;
    size_t vl;
    bool found;
    if (ldg_state_get(c->st, k, sizeof k, &v, &vl, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found) {
        ldg_txctx_detail(c, "validator %u of '%s' at height %llu", *index, r->id,
                         (unsigned long long)a->height);
        return CHN_R_EV_KNOWN;
    }
    if (r->evidence_count >= CHN_EVIDENCE_MAX)
        return CHN_R_EV_FULL;
    if (!vote_signed(r, &ev->key, a) || !vote_signed(r, &ev->key, b)) {
        ldg_txctx_detail(c, "validator %u's %s vote does not verify", *index,
                         vote_signed(r, &ev->key, a) ? "second" : "first");
        return CHN_R_EV_BAD_SIG;
    }
    return LDG_R_OK;
}

/* [id, key bin32, vote_a, vote_b]: one validator's two signed votes for different blocks at
 * one height, round and step. Anyone registered may submit it; nothing in it is trusted. */
static ldg_result apply_evidence(ldg_txctx *c, const msgpack_object *payload)
{
    chn_evidence_tx ev;
    if (!chn_evidence_tx_decode(&ev, payload))
        return undecoded(payload, 4);
    chn_record r;
    ldg_result res = load_id(c, ev.id, &r);
    if (res != LDG_R_OK)
        return res;
    if (r.status == CHN_RETIRED)
        return CHN_R_RETIRED;
    uint32_t index;
    res = evidence_check(c, &r, &ev, &index);
    if (res != LDG_R_OK)
        return res;
    uint8_t k[EV_KEY_LEN], ko[OFFENCE_KEY_LEN];
    evidence_key(k, &r);
    offence_key(ko, r.id, &ev.key, ev.a.height);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 6);
    ldg_enc_u64(&e, 3);
    ldg_enc_bin(&e, ev.key.b, LDG_PUBKEY_LEN);
    ldg_enc_u64(&e, index);
    chn_vote_encode(&e, &ev.a);
    chn_vote_encode(&e, &ev.b);
    ldg_enc_u64(&e, c->env->height);
    ldg_state_put(c->st, k, sizeof k, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_reset(&e);
    ldg_enc_u64(&e, r.evidence_count);
    ldg_state_put(c->st, ko, sizeof ko, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    if (r.status == CHN_ACTIVE)
        dl_del(c->st, &r);
    r.status = CHN_FROZEN;
    r.evidence_count++;
    record_put(c->st, &r);
    ldg_txctx_detail(c,
                     "EQUIVOCATION: validator %u of '%s' signed %s for two different blocks at "
                     "height %llu round %llu; frozen, evidence #%llu stored",
                     index, r.id, vote_name(ev.a.type), (unsigned long long)ev.a.height,
                     (unsigned long long)ev.a.round, (unsigned long long)r.evidence_count - 1);
    c->data[0] = 2;
    c->data_len = 1;
    return LDG_R_OK;
}

/* The signature checks apply_checkpoint will make (ldg_sigjobs_fn, specs/chains.md §8.1):
 * those of a checkpoint that passes every cheaper check, against the set it will be checked
 * against as the state stands before the block. Anything else gives none. */
static uint32_t checkpoint_sigjobs(ldg_state *st, const ldg_env *env, const ldg_tx *tx,
                                   ldg_sigjob *out, uint32_t max)
{
    (void)env;
    chn_checkpoint_tx cp;
    ldg_header h;
    bool found, next_set;
    if (!chn_checkpoint_tx_decode(&cp, tx->payload) || !chn_id_valid(cp.id) ||
        ldg_header_decode(&h, cp.header, cp.header_len) != LDG_OK || h.height == 0)
        return 0;
    chn_record *r = malloc(sizeof *r);
    LDG_ASSERT(r);
    uint32_t n = 0;
    const chn_valset *s = NULL;
    if (chn_record_get(st, cp.id, r, &found) == LDG_OK && found && status_refusal(r) == LDG_R_OK &&
        !strcmp(h.chain_id, r->chain_id))
        s = set_for(r, h.height, &next_set);
    const ldg_cert *ct = &cp.cert;
    ldg_hash hash, msg;
    ldg_tagged_hash(&hash, LDG_TAG_BLOCK, cp.header, cp.header_len);
    if (s && ct->height == h.height && !memcmp(ct->block_hash.b, hash.b, LDG_HASH_LEN) &&
        ct->count >= ldg_quorum(s->count) && ct->count <= max && ct->round <= UINT32_MAX) {
        ldg_vote_hash(&msg, h.chain_id, ct->height, ct->round, LDG_VOTE_PRECOMMIT, &ct->block_hash);
        bool seen[LDG_VALIDATORS_MAX] = {0};
        for (uint32_t i = 0; i < ct->count; i++) {
            uint32_t v = ct->sigs[i].validator;
            if (v >= s->count || seen[v]) {
                n = 0; /* refused before any signature is checked */
                break;
            }
            seen[v] = true;
            out[n++] = (ldg_sigjob){.pub = s->keys[v], .msg = msg, .sig = ct->sigs[i].sig};
        }
    }
    free(r);
    return n;
}

/* ---- the STALE hook ---- */

typedef struct due_scan {
    uint64_t now;
    uint32_t n;
    char ids[CHN_STALE_PER_BLOCK][CHN_ID_LEN_MAX + 1];
    uint64_t deadlines[CHN_STALE_PER_BLOCK];
} due_scan;

static bool due_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    due_scan *s = arg;
    if (kl != DL_KEY_LEN)
        return true; /* not ours: skipped (cannot happen: the module writes only these) */
    uint64_t d = 0;
    for (int i = 0; i < 8; i++)
        d = d << 8 | k[2 + i];
    if (d >= s->now || s->n == CHN_STALE_PER_BLOCK)
        return false;
    memcpy(s->ids[s->n], k + 10, CHN_ID_LEN_MAX);
    s->ids[s->n][CHN_ID_LEN_MAX] = '\0';
    s->deadlines[s->n++] = d;
    return true;
}

/* Marks STALE every ACTIVE sub-chain whose deadline is before this block's time, in
 * deadline order, at most CHN_STALE_PER_BLOCK per block (specs/chains.md §5.1). */
ldg_err chn_stale_hook(ldg_state *st, const ldg_env *env)
{
    static const uint8_t prefix[2] = {CHN_KEY_NS, CHN_KEY_DEADLINE};
    due_scan *s = calloc(1, sizeof *s);
    LDG_ASSERT(s);
    s->now = env->time_ms;
    ldg_err err = ldg_state_scan(st, prefix, sizeof prefix, CHN_STALE_PER_BLOCK + 1, due_row, s);
    for (uint32_t i = 0; err == LDG_OK && i < s->n; i++) {
        chn_record r;
        bool found;
        err = chn_record_get(st, s->ids[i], &r, &found);
        if (err == LDG_OK && (!found || r.status != CHN_ACTIVE || r.deadline_ms != s->deadlines[i]))
            err = LDG_ERR_CORRUPT; /* the queue holds exactly the ACTIVE records' deadlines */
        if (err != LDG_OK)
            break;
        dl_del(st, &r);
        r.status = CHN_STALE;
        record_put(st, &r);
    }
    free(s);
    return err;
}

static bool first_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    uint64_t *d = arg;
    if (kl == DL_KEY_LEN) {
        *d = 0;
        for (int i = 0; i < 8; i++)
            *d = *d << 8 | k[2 + i];
    }
    return false;
}

bool chn_work_due(ldg_state *st, uint64_t time_ms)
{
    static const uint8_t prefix[2] = {CHN_KEY_NS, CHN_KEY_DEADLINE};
    uint64_t d = UINT64_MAX;
    if (ldg_state_scan(st, prefix, sizeof prefix, 1, first_row, &d) != LDG_OK)
        return false;
    return d < time_ms;
}

static const ldg_tx_type chn_types[] = {
    {CHN_TX_CREATE, "chain.create", LDG_ROLE_COMMITTEE, apply_create},
    {CHN_TX_PAUSE, "chain.pause", LDG_ROLE_COMMITTEE, apply_status},
    {CHN_TX_RESUME, "chain.resume", LDG_ROLE_COMMITTEE, apply_status},
    {CHN_TX_RETIRE, "chain.retire", LDG_ROLE_COMMITTEE, apply_status},
    {CHN_TX_UNFREEZE, "chain.unfreeze", LDG_ROLE_COMMITTEE, apply_status},
    {CHN_TX_SET_VALIDATORS, "chain.set_validators", LDG_ROLE_COMMITTEE, apply_set_validators},
    {CHN_TX_SET_PERIOD, "chain.set_period", LDG_ROLE_COMMITTEE, apply_set_period},
    {CHN_TX_CHECKPOINT, "chain.checkpoint", 0, apply_checkpoint},
    {CHN_TX_EVIDENCE, "chain.evidence", 0, apply_evidence},
};

void chn_module_register(ldg_registry *r)
{
    ldg_result_register(chn_results, LDG_ARRAY_LEN(chn_results));
    for (size_t i = 0; i < LDG_ARRAY_LEN(chn_types); i++)
        ldg_registry_add_tx(r, &chn_types[i]);
    ldg_registry_add_sigjobs(r, CHN_TX_CHECKPOINT, checkpoint_sigjobs);
    ldg_registry_add_hook(r, chn_stale_hook);
    ldg_registry_add_work_due(r, chn_work_due);
}
