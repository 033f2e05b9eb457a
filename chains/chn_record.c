/* Registry records, checkpoints and their keys (specs/chains.md §2). */
#include "chn.h"

#include <string.h>

static const char *const status_names[] = {NULL, "ACTIVE", "STALE", "FROZEN", "RETIRED", "PAUSED"};

const char *chn_status_name(uint64_t status)
{
    return status >= 1 && status <= 5 ? status_names[status] : "UNKNOWN";
}

bool chn_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > CHN_ID_LEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
            return false;
    return true;
}

static void put_id(uint8_t *k, const char *id)
{
    size_t n = strlen(id);
    LDG_ASSERT(n <= CHN_ID_LEN_MAX);
    memset(k, 0, CHN_ID_LEN_MAX);
    memcpy(k, id, n);
}

void chn_record_key(uint8_t k[CHN_KEY_RECORD_LEN], const char *id)
{
    k[0] = CHN_KEY_NS;
    k[1] = CHN_KEY_RECORD;
    put_id(k + 2, id);
}

void chn_checkpoint_key(uint8_t k[CHN_KEY_CHECKPOINT_LEN], const char *id, uint64_t height)
{
    k[0] = CHN_KEY_NS;
    k[1] = CHN_KEY_CHECKPOINT;
    put_id(k + 2, id);
    for (int i = 0; i < 8; i++)
        k[2 + CHN_ID_LEN_MAX + i] = (uint8_t)(height >> (56 - 8 * i));
}

static void enc_set(ldg_enc *e, const chn_valset *s)
{
    ldg_enc_array(e, 2);
    ldg_enc_u64(e, s->since);
    ldg_enc_array(e, s->count);
    for (uint32_t i = 0; i < s->count; i++)
        ldg_enc_bin(e, s->keys[i].b, LDG_PUBKEY_LEN);
}

void chn_record_encode(ldg_enc *e, const chn_record *r)
{
    ldg_enc_array(e, 12);
    ldg_enc_str(e, r->business);
    ldg_enc_str(e, r->chain_id);
    ldg_enc_bin(e, r->genesis_hash.b, LDG_HASH_LEN);
    ldg_enc_bin(e, r->account.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(e, r->status);
    ldg_enc_u64(e, r->period_ms);
    enc_set(e, &r->set);
    if (r->has_next)
        enc_set(e, &r->next);
    else
        ldg_enc_nil(e);
    ldg_enc_array(e, 6);
    ldg_enc_u64(e, r->last_height);
    ldg_enc_u64(e, r->last_time_ms);
    ldg_enc_bin(e, r->last_hash.b, LDG_HASH_LEN);
    ldg_enc_u64(e, r->anchored_height);
    ldg_enc_u64(e, r->anchored_ms);
    ldg_enc_array(e, r->signer_count);
    for (uint32_t i = 0; i < r->signer_count; i++)
        ldg_enc_u64(e, r->signers[i]);
    ldg_enc_u64(e, r->created_height);
    ldg_enc_u64(e, r->deadline_ms);
    ldg_enc_u64(e, r->evidence_count);
}

/* A validator-set value: [since, [key bin32 ...]] with 1..LDG_VALIDATORS_MAX keys. */
bool chn_valset_decode(chn_valset *s, const msgpack_object *o)
{
    const msgpack_object *f, *k;
    uint32_t n;
    if (!ldg_obj_array(o, 2, &f) || !ldg_obj_u64(&f[0], &s->since) ||
        !ldg_obj_array_any(&f[1], LDG_VALIDATORS_MAX, &k, &n) || n == 0)
        return false;
    s->count = n;
    for (uint32_t i = 0; i < n; i++)
        if (!ldg_obj_bin(&k[i], s->keys[i].b, LDG_PUBKEY_LEN))
            return false;
    return true;
}

static bool dec_last(chn_record *r, const msgpack_object *o)
{
    const msgpack_object *f, *s;
    uint32_t n;
    if (!ldg_obj_array(o, 6, &f) || !ldg_obj_u64(&f[0], &r->last_height) ||
        !ldg_obj_u64(&f[1], &r->last_time_ms) ||
        !ldg_obj_bin(&f[2], r->last_hash.b, LDG_HASH_LEN) ||
        !ldg_obj_u64(&f[3], &r->anchored_height) || !ldg_obj_u64(&f[4], &r->anchored_ms) ||
        !ldg_obj_array_any(&f[5], LDG_VALIDATORS_MAX, &s, &n))
        return false;
    r->signer_count = n;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v;
        if (!ldg_obj_u64(&s[i], &v) || v >= LDG_VALIDATORS_MAX)
            return false;
        r->signers[i] = (uint32_t)v;
    }
    return true;
}

bool chn_record_decode(chn_record *r, const char *id, const uint8_t *v, size_t vl)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", id);
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return false;
    const msgpack_object *f;
    r->has_next = false;
    bool ok =
        ldg_obj_array(d.root, 12, &f) &&
        ldg_obj_str(&f[0], r->business, CHN_BUSINESS_LEN_MAX, false) &&
        ldg_obj_str(&f[1], r->chain_id, LDG_CHAIN_ID_LEN_MAX, false) &&
        ldg_obj_bin(&f[2], r->genesis_hash.b, LDG_HASH_LEN) &&
        ldg_obj_bin(&f[3], r->account.b, LDG_ACCOUNT_LEN) && ldg_obj_u64(&f[4], &r->status) &&
        ldg_obj_u64(&f[5], &r->period_ms) && chn_valset_decode(&r->set, &f[6]) &&
        (f[7].type == MSGPACK_OBJECT_NIL || (r->has_next = chn_valset_decode(&r->next, &f[7]))) &&
        dec_last(r, &f[8]) && ldg_obj_u64(&f[9], &r->created_height) &&
        ldg_obj_u64(&f[10], &r->deadline_ms) && ldg_obj_u64(&f[11], &r->evidence_count);
    ldg_dec_free(&d);
    return ok && r->status >= CHN_ACTIVE && r->status <= CHN_PAUSED;
}

ldg_err chn_record_get(ldg_state *st, const char *id, chn_record *r, bool *found)
{
    uint8_t k[CHN_KEY_RECORD_LEN];
    chn_record_key(k, id);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, k, sizeof k, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    return chn_record_decode(r, id, v, vl) ? LDG_OK : LDG_ERR_CORRUPT;
}

void chn_checkpoint_encode(ldg_enc *e, const chn_checkpoint *c)
{
    ldg_enc_array(e, 5);
    ldg_enc_bin(e, c->header, c->header_len);
    ldg_cert_encode(e, &c->cert);
    ldg_enc_u64(e, c->main_height);
    ldg_enc_u64(e, c->main_time_ms);
    ldg_enc_bin(e, c->genesis_hash.b, LDG_HASH_LEN);
}

bool chn_checkpoint_decode_obj(chn_checkpoint *c, const msgpack_object *o)
{
    const msgpack_object *f;
    return ldg_obj_array(o, 5, &f) &&
           ldg_obj_bin_ref(&f[0], LDG_PROOF_HEADER_MAX, &c->header, &c->header_len) &&
           ldg_cert_decode(&c->cert, &f[1]) == LDG_OK && ldg_obj_u64(&f[2], &c->main_height) &&
           ldg_obj_u64(&f[3], &c->main_time_ms) &&
           ldg_obj_bin(&f[4], c->genesis_hash.b, LDG_HASH_LEN);
}

bool chn_checkpoint_tx_decode(chn_checkpoint_tx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    return ldg_obj_array(payload, 3, &f) && ldg_obj_str(&f[0], c->id, CHN_ID_LEN_MAX, false) &&
           ldg_obj_bin_ref(&f[1], LDG_PROOF_HEADER_MAX, &c->header, &c->header_len) &&
           c->header_len > 0 && ldg_cert_decode(&c->cert, &f[2]) == LDG_OK;
}

void chn_checkpoint_tx_encode(ldg_enc *e, const char *id, const uint8_t *header, size_t hl,
                              const ldg_cert *cert)
{
    ldg_enc_array(e, 3);
    ldg_enc_str(e, id);
    ldg_enc_bin(e, header, hl);
    ldg_cert_encode(e, cert);
}

void chn_vote_encode(ldg_enc *e, const chn_vote *v)
{
    ldg_enc_array(e, 5);
    ldg_enc_u64(e, v->height);
    ldg_enc_u64(e, v->round);
    ldg_enc_u64(e, v->type);
    if (v->has_block)
        ldg_enc_bin(e, v->block.b, LDG_HASH_LEN);
    else
        ldg_enc_nil(e);
    ldg_enc_bin(e, v->sig.b, LDG_SIG_LEN);
}

/* [height >= 1, round <= 2^32-1 (signed as u32), type 2|3, block bin32 | nil, sig bin64] */
bool chn_vote_decode(chn_vote *v, const msgpack_object *o)
{
    const msgpack_object *f;
    if (!ldg_obj_array(o, 5, &f) || !ldg_obj_u64(&f[0], &v->height) || v->height == 0 ||
        !ldg_obj_u64(&f[1], &v->round) || v->round > UINT32_MAX || !ldg_obj_u64(&f[2], &v->type) ||
        (v->type != LDG_VOTE_PREVOTE && v->type != LDG_VOTE_PRECOMMIT))
        return false;
    v->has_block = f[3].type != MSGPACK_OBJECT_NIL;
    memset(v->block.b, 0, LDG_HASH_LEN);
    if (v->has_block && !ldg_obj_bin(&f[3], v->block.b, LDG_HASH_LEN))
        return false;
    return ldg_obj_bin(&f[4], v->sig.b, LDG_SIG_LEN);
}

bool chn_evidence_tx_decode(chn_evidence_tx *ev, const msgpack_object *payload)
{
    const msgpack_object *f;
    return ldg_obj_array(payload, 4, &f) && ldg_obj_str(&f[0], ev->id, CHN_ID_LEN_MAX, false) &&
           ldg_obj_bin(&f[1], ev->key.b, LDG_PUBKEY_LEN) && chn_vote_decode(&ev->a, &f[2]) &&
           chn_vote_decode(&ev->b, &f[3]);
}

void chn_evidence_tx_encode(ldg_enc *e, const chn_evidence_tx *ev)
{
    ldg_enc_array(e, 4);
    ldg_enc_str(e, ev->id);
    ldg_enc_bin(e, ev->key.b, LDG_PUBKEY_LEN);
    chn_vote_encode(e, &ev->a);
    chn_vote_encode(e, &ev->b);
}
