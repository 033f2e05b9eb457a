/* Proof bundles: encoding, the offline verifier, and the node-side builder
 * (specs/proofs.md). The verifier trusts nothing in the bundle: it decodes strictly, then
 * checks the anchor (headers, certificate under the validator set in force, followed from
 * the genesis set through the trust steps, each signed by the set before it) before it
 * looks at any fact, so a tree proof is only ever checked against a root a quorum signed. */
#include "ldg_proof.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    ldg_proof_rc rc;
    const char *name;
} rc_names[] = {
    {LDG_PROOF_OK, "OK"},
    {LDG_PROOF_MALFORMED, "MALFORMED"},
    {LDG_PROOF_TOO_LARGE, "TOO_LARGE"},
    {LDG_PROOF_NOT_A_BUNDLE, "NOT_A_BUNDLE"},
    {LDG_PROOF_BAD_VERSION, "VERSION"},
    {LDG_PROOF_BAD_GENESIS, "BAD_GENESIS"},
    {LDG_PROOF_WRONG_CHAIN, "WRONG_CHAIN"},
    {LDG_PROOF_HEIGHT, "HEIGHT"},
    {LDG_PROOF_LINK, "LINK"},
    {LDG_PROOF_VALSET, "VALSET"},
    {LDG_PROOF_CERT, "CERT"},
    {LDG_PROOF_KEY, "KEY"},
    {LDG_PROOF_ROOT, "ROOT"},
    {LDG_PROOF_VALUE, "VALUE"},
    {LDG_PROOF_SUPPLY, "SUPPLY"},
};

const char *ldg_proof_rc_name(ldg_proof_rc rc)
{
    for (size_t i = 0; i < sizeof rc_names / sizeof rc_names[0]; i++)
        if (rc_names[i].rc == rc)
            return rc_names[i].name;
    return "UNKNOWN";
}

/* ---- encoding ---- */

void ldg_proof_encode(ldg_enc *e, const ldg_proof_bundle *b)
{
    ldg_enc_array(e, 8);
    ldg_enc_str(e, LDG_PROOF_MAGIC);
    ldg_enc_u64(e, b->trust_count ? LDG_PROOF_VERSION_TRUST : LDG_PROOF_VERSION);
    ldg_enc_bin(e, b->genesis_hash.b, LDG_HASH_LEN);
    ldg_enc_u64(e, b->height);
    ldg_enc_u64(e, b->kind);
    ldg_enc_array(e, b->fact_count);
    for (uint32_t i = 0; i < b->fact_count; i++) {
        const ldg_proof_fact *f = &b->facts[i];
        ldg_enc_array(e, 3);
        ldg_enc_bin(e, f->key, f->key_len);
        if (f->present)
            ldg_enc_bin(e, f->value, f->value_len);
        else
            ldg_enc_nil(e);
        ldg_enc_bin(e, f->proof, f->proof_len);
    }
    ldg_enc_array(e, 3);
    ldg_enc_bin(e, b->header_h, b->header_h_len);
    ldg_enc_bin(e, b->header_next, b->header_next_len);
    ldg_cert_encode(e, &b->cert_next);
    if (b->trust_count)
        ldg_enc_raw(e, b->trust, b->trust_len);
    else
        ldg_enc_array(e, 0); /* no change of the genesis set: version 1, as before */
}

void ldg_trust_step_encode(ldg_enc *e, uint64_t c, const uint8_t *header, size_t header_len,
                           const ldg_cert *cert, const ldg_proof_fact *f)
{
    ldg_enc_array(e, 4);
    ldg_enc_u64(e, c);
    ldg_enc_bin(e, header, header_len);
    ldg_cert_encode(e, cert);
    ldg_enc_array(e, 3);
    ldg_enc_bin(e, f->key, f->key_len);
    if (f->present)
        ldg_enc_bin(e, f->value, f->value_len);
    else
        ldg_enc_nil(e);
    ldg_enc_bin(e, f->proof, f->proof_len);
}

/* ---- verification ---- */

static ldg_proof_rc fail(ldg_proof_claim *c, ldg_proof_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ldg_proof_rc fail(ldg_proof_claim *c, ldg_proof_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    c->rc = rc;
    return rc;
}

static bool decode_fact(const msgpack_object *o, ldg_proof_fact *f)
{
    const msgpack_object *x;
    if (!ldg_obj_array(o, 3, &x) ||
        !ldg_obj_bin_ref(&x[0], LDG_PROOF_KEY_MAX, &f->key, &f->key_len) || f->key_len == 0 ||
        !ldg_obj_bin_ref(&x[2], LDG_PROOF_PATH_MAX, &f->proof, &f->proof_len))
        return false;
    f->present = x[1].type != MSGPACK_OBJECT_NIL;
    f->value = NULL;
    f->value_len = 0;
    return !f->present || ldg_obj_bin_ref(&x[1], LDG_PROOF_VALUE_MAX, &f->value, &f->value_len);
}

/* Step 5: every field's form (proofs.md §2). Which field is named in why. */
static ldg_proof_rc decode_fields(const msgpack_object *f, ldg_proof_bundle *b, ldg_proof_claim *c)
{
    const msgpack_object *facts, *anchor, *trust;
    uint32_t nf, nt;
    if (!ldg_obj_bin(&f[2], b->genesis_hash.b, LDG_HASH_LEN))
        return fail(c, LDG_PROOF_MALFORMED, "field 2 (genesis_hash) is not a 32-byte binary");
    if (!ldg_obj_u64(&f[3], &b->height))
        return fail(c, LDG_PROOF_MALFORMED, "field 3 (height) is not an unsigned integer");
    if (!ldg_obj_u64(&f[4], &b->kind) || b->kind < LDG_PROOF_KIND_KEY ||
        b->kind > LDG_PROOF_KIND_INVESTOR)
        return fail(c, LDG_PROOF_MALFORMED, "field 4 (kind) is not a kind of proofs.md §3 (1..5)");
    if (!ldg_obj_array_any(&f[5], LDG_PROOF_FACTS_MAX, &facts, &nf) || nf == 0)
        return fail(c, LDG_PROOF_MALFORMED, "field 5 (facts) is not an array of 1..%d facts",
                    LDG_PROOF_FACTS_MAX);
    b->fact_count = nf;
    for (uint32_t i = 0; i < nf; i++)
        if (!decode_fact(&facts[i], &b->facts[i]))
            return fail(c, LDG_PROOF_MALFORMED,
                        "fact %u is not [key bin 1..%d, value bin ..%d or nil, proof bin ..%d]", i,
                        LDG_PROOF_KEY_MAX, LDG_PROOF_VALUE_MAX, LDG_PROOF_PATH_MAX);
    if (!ldg_obj_array(&f[6], 3, &anchor) ||
        !ldg_obj_bin_ref(&anchor[0], LDG_PROOF_HEADER_MAX, &b->header_h, &b->header_h_len) ||
        !ldg_obj_bin_ref(&anchor[1], LDG_PROOF_HEADER_MAX, &b->header_next, &b->header_next_len))
        return fail(c, LDG_PROOF_MALFORMED,
                    "field 6 (anchor) is not [header bin, header bin, certificate]");
    if (ldg_cert_decode(&b->cert_next, &anchor[2]) != LDG_OK)
        return fail(c, LDG_PROOF_MALFORMED,
                    "the anchor's certificate is not [height, round, block_hash, signatures]");
    if (!ldg_obj_array_any(&f[7], LDG_VALSET_CHANGES_MAX, &trust, &nt))
        return fail(c, LDG_PROOF_MALFORMED, "field 7 (trust) is not an array of at most %d steps",
                    LDG_VALSET_CHANGES_MAX);
    b->trust_count = nt;
    b->trust_steps = trust;
    return LDG_PROOF_OK;
}

/* ---- the chain of validator sets (proofs.md §5) ---- */

static bool vfail(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool vfail(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return false;
}

/* One step k on top of *set (in force from set->from); *set becomes the proved set. */
static bool trust_step(const msgpack_object *o, uint32_t k, const ldg_genesis *g, uint64_t upto,
                       ldg_valset *set, char *why, size_t wl)
{
    const msgpack_object *x;
    uint64_t cn;
    const uint8_t *hb;
    size_t hl;
    ldg_cert *cert = malloc(sizeof *cert);
    LDG_ASSERT(cert);
    ldg_proof_fact f;
    ldg_header h;
    bool ok = ldg_obj_array(o, 4, &x) && ldg_obj_u64(&x[0], &cn) && cn < UINT64_MAX - 1 &&
              ldg_obj_bin_ref(&x[1], LDG_PROOF_HEADER_MAX, &hb, &hl) &&
              ldg_cert_decode(cert, &x[2]) == LDG_OK && decode_fact(&x[3], &f) &&
              ldg_header_decode(&h, hb, hl) == LDG_OK;
    ldg_hash hash;
    if (!ok)
        ok = vfail(why, wl,
                   "trust step %u is not [height, header c+1 bytes, certificate, fact] "
                   "(proofs.md §5)",
                   k);
    else if (strcmp(h.chain_id, g->chain_id) || h.height != cn + 1)
        ok = vfail(why, wl, "trust step %u: its header is not block %llu of chain '%s'", k,
                   (unsigned long long)cn + 1, g->chain_id);
    else if (cn + 1 < set->from)
        ok = vfail(why, wl,
                   "trust step %u: block %llu is before the set it would be certified by (in "
                   "force from %llu): steps out of order",
                   k, (unsigned long long)cn + 1, (unsigned long long)set->from);
    if (ok) {
        ldg_tagged_hash(&hash, LDG_TAG_BLOCK, hb, hl);
        if (cert->height != cn + 1 || memcmp(cert->block_hash.b, hash.b, LDG_HASH_LEN) ||
            !ldg_cert_verify(cert, g->chain_id, set->keys, set->count))
            ok = vfail(why, wl,
                       "trust step %u: the certificate of block %llu is not a quorum of the "
                       "validator set in force from height %llu (%u validators)",
                       k, (unsigned long long)cn + 1, (unsigned long long)set->from, set->count);
    }
    uint64_t from = 0;
    if (ok) {
        for (int i = 0; f.key_len == LDG_VALSET_KEY_LEN && i < 8; i++)
            from = from << 8 | f.key[1 + i];
        if (f.key_len != LDG_VALSET_KEY_LEN || f.key[0] != LDG_KEY_VALSET || !f.present)
            ok = vfail(why, wl, "trust step %u: its fact is not a validator-set entry 'W' ‖ be64",
                       k);
        else if (from <= cn + 1 || from > upto)
            ok = vfail(why, wl,
                       "trust step %u: the change takes effect at %llu, which must be after "
                       "block %llu and at most %llu",
                       k, (unsigned long long)from, (unsigned long long)cn + 1,
                       (unsigned long long)upto);
    }
    bool has_total;
    uint64_t total;
    char tw[160];
    if (ok && !ldg_proof_tree_check(&h.prev_state_root, &f, &has_total, &total, tw, sizeof tw))
        ok = vfail(why, wl,
                   "trust step %u: the change's tree proof does not lead to the state root "
                   "block %llu certifies (%s)",
                   k, (unsigned long long)cn + 1, tw);
    if (ok && !ldg_valset_decode(f.value, f.value_len, set, tw, sizeof tw))
        ok = vfail(why, wl, "trust step %u: the proved set is malformed: %s", k, tw);
    if (ok)
        set->from = from;
    free(cert);
    return ok;
}

ldg_proof_rc ldg_trust_follow(const msgpack_object *steps, uint32_t n, const ldg_genesis *g,
                              uint64_t upto, ldg_valset *set, char *why, size_t why_len)
{
    set->from = 0;
    set->count = g->validator_count;
    memcpy(set->keys, g->validators, g->validator_count * sizeof *set->keys);
    if (n > LDG_VALSET_CHANGES_MAX) {
        snprintf(why, why_len, "the trust list has %u steps; at most %d", n,
                 LDG_VALSET_CHANGES_MAX);
        return LDG_PROOF_VALSET;
    }
    for (uint32_t k = 0; k < n; k++)
        if (!trust_step(&steps[k], k, g, upto, set, why, why_len))
            return LDG_PROOF_VALSET;
    return LDG_PROOF_OK;
}

static ldg_proof_rc check_cert(const ldg_proof_bundle *b, const ldg_genesis *g,
                               const ldg_valset *set, const ldg_header *hn, const ldg_hash *hash_n,
                               ldg_proof_claim *c);

static ldg_proof_rc check_anchor(const ldg_proof_bundle *b, const ldg_genesis *g,
                                 const ldg_header *hh, const ldg_header *hn, uint64_t version,
                                 ldg_proof_claim *c)
{
    if (strcmp(hh->chain_id, g->chain_id) || strcmp(hn->chain_id, g->chain_id))
        return fail(c, LDG_PROOF_WRONG_CHAIN,
                    "the bundle's headers are of chain '%s', the genesis is of chain '%s'",
                    strcmp(hh->chain_id, g->chain_id) ? hh->chain_id : hn->chain_id, g->chain_id);
    if (hh->height != b->height || b->height == UINT64_MAX || hn->height != b->height + 1)
        return fail(c, LDG_PROOF_HEIGHT,
                    "the bundle proves height %llu but carries headers of heights %llu and %llu "
                    "(must be %llu and the next)",
                    (unsigned long long)b->height, (unsigned long long)hh->height,
                    (unsigned long long)hn->height, (unsigned long long)b->height);
    ldg_hash hash_h, hash_n;
    ldg_tagged_hash(&hash_h, LDG_TAG_BLOCK, b->header_h, b->header_h_len);
    ldg_tagged_hash(&hash_n, LDG_TAG_BLOCK, b->header_next, b->header_next_len);
    c->block_hash = hash_h;
    if (memcmp(hn->prev_hash.b, hash_h.b, LDG_HASH_LEN))
        return fail(c, LDG_PROOF_LINK,
                    "header %llu does not follow header %llu: its prev_hash is not the hash of "
                    "the header given for %llu",
                    (unsigned long long)hn->height, (unsigned long long)hh->height,
                    (unsigned long long)hh->height);
    if (version == LDG_PROOF_VERSION && b->trust_count)
        return fail(c, LDG_PROOF_VALSET,
                    "a version-1 bundle lists validator-set changes; a bundle that carries "
                    "changes is version 2 (proofs.md §5)");
    ldg_valset *set = malloc(sizeof *set);
    LDG_ASSERT(set);
    ldg_proof_rc rc =
        ldg_trust_follow(b->trust_steps, b->trust_count, g, hn->height, set, c->why, sizeof c->why);
    if (rc != LDG_PROOF_OK) {
        free(set);
        c->rc = rc;
        return rc;
    }
    rc = check_cert(b, g, set, hn, &hash_n, c);
    free(set);
    return rc;
}

/* Step 11: cert_next under the set in force at H+1. */
static ldg_proof_rc check_cert(const ldg_proof_bundle *b, const ldg_genesis *g,
                               const ldg_valset *set, const ldg_header *hn, const ldg_hash *hash_n,
                               ldg_proof_claim *c)
{
    const char *which =
        set->from ? "the validator set in force (after its changes)" : "the genesis set";
    const ldg_cert *ct = &b->cert_next;
    if (ct->height != hn->height || memcmp(ct->block_hash.b, hash_n->b, LDG_HASH_LEN))
        return fail(c, LDG_PROOF_CERT,
                    "the certificate is for another block (height %llu), not header %llu",
                    (unsigned long long)ct->height, (unsigned long long)hn->height);
    c->signers = ct->count;
    c->validators = set->count;
    if (ct->count < ldg_quorum(set->count))
        return fail(c, LDG_PROOF_CERT,
                    "the certificate has %u signatures; a quorum of %s of %u validators is %u",
                    ct->count, which, set->count, ldg_quorum(set->count));
    for (uint32_t i = 0; i < ct->count; i++)
        if (ct->sigs[i].validator >= set->count)
            return fail(c, LDG_PROOF_CERT, "certificate signature %u names validator %u; %s has %u",
                        i, ct->sigs[i].validator, which, set->count);
    if (!ldg_cert_verify(ct, g->chain_id, set->keys, set->count))
        return fail(c, LDG_PROOF_CERT,
                    "the certificate of block %llu is not signed by a quorum of %s (a "
                    "signature is bad or a validator signs twice)",
                    (unsigned long long)hn->height, which);
    return LDG_PROOF_OK;
}

static bool id12_ok(const uint8_t *id)
{
    size_t n = 0;
    while (n < LDG_PROOF_ID_LEN && id[n])
        n++;
    for (size_t i = n; i < LDG_PROOF_ID_LEN; i++)
        if (id[i])
            return false;
    for (size_t i = 0; i < n; i++)
        if (id[i] < 0x21 || id[i] > 0x7e)
            return false;
    return n > 0;
}

/* Step 12: the facts are the keys the kind names (proofs.md §3). */
static ldg_proof_rc check_keys(const ldg_proof_bundle *b, ldg_proof_claim *c)
{
    const ldg_proof_fact *f = b->facts;
    switch (b->kind) {
    case LDG_PROOF_KIND_KEY:
        if (b->fact_count != 1)
            return fail(c, LDG_PROOF_KEY, "a key bundle holds one fact, this one %u",
                        b->fact_count);
        return LDG_PROOF_OK;
    case LDG_PROOF_KIND_HOLDING:
        if (b->fact_count != 2 || f[0].key_len != 1 + LDG_PROOF_ID_LEN + 20 || f[0].key[0] != 'b' ||
            !id12_ok(f[0].key + 1))
            return fail(c, LDG_PROOF_KEY,
                        "a holding bundle's first fact must be a holding key 'b' id12 account");
        if (f[1].key_len != 1 + LDG_PROOF_ID_LEN || f[1].key[0] != 'a' ||
            memcmp(f[1].key + 1, f[0].key + 1, LDG_PROOF_ID_LEN))
            return fail(
                c, LDG_PROOF_KEY,
                "a holding bundle's second fact must be the same instrument's key 'a' id12");
        memcpy(c->id, f[0].key + 1, LDG_PROOF_ID_LEN);
        memcpy(c->account, f[0].key + 1 + LDG_PROOF_ID_LEN, 20);
        return LDG_PROOF_OK;
    case LDG_PROOF_KIND_INSTRUMENT:
        if (b->fact_count != 1 || f[0].key_len != 1 + LDG_PROOF_ID_LEN || f[0].key[0] != 'a' ||
            !id12_ok(f[0].key + 1))
            return fail(c, LDG_PROOF_KEY, "an instrument bundle holds one key 'a' id12");
        memcpy(c->id, f[0].key + 1, LDG_PROOF_ID_LEN);
        return LDG_PROOF_OK;
    case LDG_PROOF_KIND_PARTICIPANT:
        if (b->fact_count != 1 || f[0].key_len != 21 || f[0].key[0] != 'p')
            return fail(c, LDG_PROOF_KEY, "a participant bundle holds one key 'p' account");
        memcpy(c->account, f[0].key + 1, 20);
        return LDG_PROOF_OK;
    default:
        if (b->fact_count != 1 || f[0].key_len != 22 || f[0].key[0] != 'A' || f[0].key[1] != 'I')
            return fail(c, LDG_PROOF_KEY, "an investor bundle holds one key 'A' 'I' account");
        memcpy(c->account, f[0].key + 2, 20);
        return LDG_PROOF_OK;
    }
}

static bool u64_value(const ldg_proof_fact *f, uint64_t *v)
{
    ldg_dec d;
    if (ldg_decode(&d, f->value, f->value_len) != LDG_OK)
        return false;
    bool ok = ldg_obj_u64(d.root, v);
    ldg_dec_free(&d);
    return ok;
}

static bool asset_value(const ldg_proof_fact *f, ldg_proof_claim *c)
{
    ldg_dec d;
    if (ldg_decode(&d, f->value, f->value_len) != LDG_OK)
        return false;
    const msgpack_object *x;
    uint8_t issuer[20];
    char cls[8], cur[4];
    uint64_t risk;
    bool ok = ldg_obj_array(d.root, 8, &x) && ldg_obj_u64(&x[0], &c->asset_kind) &&
              ldg_obj_str(&x[1], c->asset_name, LDG_NAME_LEN_MAX, false) &&
              ldg_obj_bin(&x[2], issuer, 20) && ldg_obj_u64(&x[3], &c->supply) &&
              ldg_obj_u64(&x[4], &c->scale) && ldg_obj_str(&x[5], cls, 7, true) &&
              ldg_obj_u64(&x[6], &risk) && ldg_obj_str(&x[7], cur, 3, true);
    ldg_dec_free(&d);
    c->has_asset = ok;
    return ok;
}

static bool participant_value(const ldg_proof_fact *f, ldg_proof_claim *c)
{
    ldg_dec d;
    if (ldg_decode(&d, f->value, f->value_len) != LDG_OK)
        return false;
    const msgpack_object *x;
    uint8_t pk[32];
    bool ok = ldg_obj_array(d.root, 4, &x) &&
              ldg_obj_str(&x[0], c->name, LDG_NAME_LEN_MAX, false) &&
              ldg_obj_u64(&x[1], &c->roles) && ldg_obj_bin(&x[2], pk, 32) &&
              ldg_obj_u64(&x[3], &c->reg_height);
    ldg_dec_free(&d);
    return ok;
}

static bool investor_value(const ldg_proof_fact *f, ldg_proof_claim *c)
{
    ldg_dec d;
    if (ldg_decode(&d, f->value, f->value_len) != LDG_OK)
        return false;
    const msgpack_object *x;
    uint64_t h;
    bool ok = ldg_obj_array(d.root, 4, &x) && ldg_obj_u64(&x[0], &c->category) &&
              ldg_obj_u64(&x[1], &c->risk_class) && ldg_obj_i64(&x[2], &c->kyc_expiry_days) &&
              ldg_obj_u64(&x[3], &h);
    ldg_dec_free(&d);
    return ok;
}

/* Step 14: the values are of the form their keys hold (proofs.md §3). */
static ldg_proof_rc check_values(const ldg_proof_bundle *b, ldg_proof_claim *c)
{
    const ldg_proof_fact *f = b->facts;
    switch (b->kind) {
    case LDG_PROOF_KIND_HOLDING:
        if (f[0].present && (!u64_value(&f[0], &c->quantity) || c->quantity == 0))
            return fail(c, LDG_PROOF_VALUE, "the holding's value is not a quantity of at least 1");
        if (!f[1].present)
            return fail(c, LDG_PROOF_VALUE, "the instrument %s does not exist at height %llu",
                        c->id, (unsigned long long)b->height);
        if (!asset_value(&f[1], c))
            return fail(c, LDG_PROOF_VALUE, "the instrument's value is not an instrument record");
        return LDG_PROOF_OK;
    case LDG_PROOF_KIND_INSTRUMENT:
        if (f[0].present && !asset_value(&f[0], c))
            return fail(c, LDG_PROOF_VALUE, "the instrument's value is not an instrument record");
        return LDG_PROOF_OK;
    case LDG_PROOF_KIND_PARTICIPANT:
        if (f[0].present && !participant_value(&f[0], c))
            return fail(c, LDG_PROOF_VALUE, "the value is not a participant record");
        return LDG_PROOF_OK;
    case LDG_PROOF_KIND_INVESTOR:
        if (f[0].present && !investor_value(&f[0], c))
            return fail(c, LDG_PROOF_VALUE, "the value is not an investor profile");
        return LDG_PROOF_OK;
    default:
        return LDG_PROOF_OK;
    }
}

static ldg_proof_rc check_facts(const ldg_proof_bundle *b, const ldg_hash *root, ldg_proof_claim *c)
{
    for (uint32_t i = 0; i < b->fact_count; i++) {
        char why[200];
        bool has_total = false;
        uint64_t total = 0;
        if (!ldg_proof_tree_check(root, &b->facts[i], &has_total, &total, why, sizeof why))
            return fail(c, LDG_PROOF_ROOT,
                        "the tree proof of fact %u does not lead to the certified state root of "
                        "height %llu: %s",
                        i, (unsigned long long)b->height, why);
        if (i == 0) {
            /* A holding's proof without a register proves the instrument has no register
             * leaf at all: no account holds any of it, the total is 0 (proofs.md §3). */
            bool no_register =
                b->kind == LDG_PROOF_KIND_HOLDING && !has_total && !b->facts[0].present;
            c->has_total = has_total || no_register;
            c->total = has_total ? total : 0;
        }
    }
    return LDG_PROOF_OK;
}

static void claim_fact(const ldg_proof_bundle *b, ldg_proof_claim *c)
{
    const ldg_proof_fact *f = &b->facts[0];
    memcpy(c->key, f->key, f->key_len);
    c->key_len = f->key_len;
    c->present = f->present;
    if (f->present && f->value_len) {
        c->value = malloc(f->value_len);
        LDG_ASSERT(c->value);
        memcpy(c->value, f->value, f->value_len);
        c->value_len = f->value_len;
    }
}

/* What the bundle is checked against: a genesis document (the chain's own validator set
 * signs header H+1), or a header H+1 trusted by other means with its chain's genesis hash (a
 * main chain anchored it: specs/chains.md §6). */
typedef struct trust_root {
    const uint8_t *genesis;
    size_t glen;
    const uint8_t *header; /* anchored: header H+1's exact bytes */
    size_t header_len;
    const ldg_hash *genesis_hash;
} trust_root;

/* Steps 6-11 for an anchored bundle: header_next is the trusted header byte for byte, so
 * its certificate (checked by whoever anchored it) is not needed. */
static ldg_proof_rc check_anchored(const ldg_proof_bundle *b, const trust_root *t,
                                   const ldg_header *hh, const ldg_header *hn, ldg_proof_claim *c)
{
    snprintf(c->chain_id, sizeof c->chain_id, "%s", hn->chain_id);
    if (memcmp(b->genesis_hash.b, t->genesis_hash->b, LDG_HASH_LEN) ||
        strcmp(hh->chain_id, hn->chain_id))
        return fail(c, LDG_PROOF_WRONG_CHAIN,
                    "the bundle is of another chain than the anchored checkpoint (its genesis hash "
                    "or chain id differs)");
    if (b->header_next_len != t->header_len || memcmp(b->header_next, t->header, t->header_len))
        return fail(c, LDG_PROOF_CERT,
                    "header %llu of the bundle is not the anchored checkpoint header",
                    (unsigned long long)hn->height);
    if (hh->height != b->height || b->height == UINT64_MAX || hn->height != b->height + 1)
        return fail(c, LDG_PROOF_HEIGHT,
                    "the bundle proves height %llu but carries headers of heights %llu and %llu",
                    (unsigned long long)b->height, (unsigned long long)hh->height,
                    (unsigned long long)hn->height);
    ldg_hash hash_h;
    ldg_tagged_hash(&hash_h, LDG_TAG_BLOCK, b->header_h, b->header_h_len);
    c->block_hash = hash_h;
    if (memcmp(hn->prev_hash.b, hash_h.b, LDG_HASH_LEN))
        return fail(c, LDG_PROOF_LINK,
                    "header %llu does not follow header %llu: its prev_hash is not the hash of "
                    "the header given",
                    (unsigned long long)hn->height, (unsigned long long)hh->height);
    /* The trusted header needs no chain of sets: whoever anchored it checked its certificate
     * under the set then in force (chains.md §6). */
    c->signers = b->cert_next.count;
    return LDG_PROOF_OK;
}

static ldg_proof_rc verify_facts(const ldg_proof_bundle *bp, const ldg_header *hhp,
                                 const ldg_header *hnp, ldg_proof_claim *c);

static ldg_proof_rc verify_decoded(const msgpack_object *root, const trust_root *t,
                                   ldg_proof_claim *c)
{
    const msgpack_object *f;
    uint64_t version;
    if (!ldg_obj_array(root, 8, &f) || f[0].type != MSGPACK_OBJECT_STR ||
        f[0].via.str.size != strlen(LDG_PROOF_MAGIC) ||
        memcmp(f[0].via.str.ptr, LDG_PROOF_MAGIC, strlen(LDG_PROOF_MAGIC)))
        return fail(c, LDG_PROOF_NOT_A_BUNDLE,
                    "not a proof bundle (an array of 8 beginning with \"folio-proof\")");
    if (!ldg_obj_u64(&f[1], &version) ||
        (version != LDG_PROOF_VERSION && version != LDG_PROOF_VERSION_TRUST))
        return fail(
            c, LDG_PROOF_BAD_VERSION, "bundle version %s; this verifier knows versions %d and %d",
            f[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER ? "other than 1 and 2" : "not a number",
            LDG_PROOF_VERSION, LDG_PROOF_VERSION_TRUST);
    ldg_proof_bundle b;
    memset(&b, 0, sizeof b);
    ldg_proof_rc rc = decode_fields(f, &b, c);
    if (rc != LDG_PROOF_OK)
        return rc;
    c->kind = b.kind;
    c->height = b.height;
    ldg_header hh, hn;
    if (ldg_header_decode(&hh, b.header_h, b.header_h_len) != LDG_OK ||
        ldg_header_decode(&hn, b.header_next, b.header_next_len) != LDG_OK)
        return fail(c, LDG_PROOF_MALFORMED,
                    "an anchor header does not decode as a header "
                    "(encoding.md §5.1)");
    if (t->header) {
        rc = check_anchored(&b, t, &hh, &hn, c);
        if (rc != LDG_PROOF_OK)
            return rc;
        return verify_facts(&b, &hh, &hn, c);
    }
    const uint8_t *genesis = t->genesis;
    size_t glen = t->glen;
    ldg_genesis *gp = malloc(sizeof *gp); /* ~12 KiB: not on the stack */
    LDG_ASSERT(gp);
    if (ldg_genesis_decode(gp, genesis, glen) != LDG_OK) {
        free(gp);
        return fail(c, LDG_PROOF_BAD_GENESIS,
                    "the genesis document does not decode "
                    "(encoding.md §8)");
    }
    snprintf(c->chain_id, sizeof c->chain_id, "%s", gp->chain_id);
    ldg_hash gh;
    ldg_genesis_hash_bytes(&gh, genesis, glen);
    if (memcmp(gh.b, b.genesis_hash.b, LDG_HASH_LEN)) {
        free(gp);
        return fail(c, LDG_PROOF_WRONG_CHAIN,
                    "the bundle is of another chain: its genesis hash is not that of the genesis "
                    "given (chain '%s')",
                    c->chain_id);
    }
    rc = check_anchor(&b, gp, &hh, &hn, version, c);
    free(gp);
    if (rc != LDG_PROOF_OK)
        return rc;
    return verify_facts(&b, &hh, &hn, c);
}

/* Steps 12-15, once header H+1 is trusted. */
static ldg_proof_rc verify_facts(const ldg_proof_bundle *bp, const ldg_header *hhp,
                                 const ldg_header *hnp, ldg_proof_claim *c)
{
    const ldg_proof_bundle *b = bp;
    ldg_proof_rc rc;
    c->time_ms = hhp->time_ms;
    c->state_root = hnp->prev_state_root;
    if ((rc = check_keys(b, c)) != LDG_PROOF_OK)
        return rc;
    if ((rc = check_facts(b, &hnp->prev_state_root, c)) != LDG_PROOF_OK)
        return rc;
    if ((rc = check_values(b, c)) != LDG_PROOF_OK)
        return rc;
    if (b->kind == LDG_PROOF_KIND_HOLDING && (!c->has_total || c->total != c->supply))
        return fail(c, LDG_PROOF_SUPPLY,
                    c->has_total ? "the register of %s totals %llu but its issued supply is %llu"
                                 : "the holding's proof of %s carries no register total",
                    c->id, (unsigned long long)c->total, (unsigned long long)c->supply);
    /* Last, so that a refused bundle leaves nothing allocated in the claim. */
    claim_fact(b, c);
    c->rc = LDG_PROOF_OK;
    return LDG_PROOF_OK;
}

ldg_proof_rc ldg_proof_verify(const uint8_t *bundle, size_t len, const uint8_t *genesis,
                              size_t glen, ldg_proof_claim *out)
{
    memset(out, 0, sizeof *out);
    if (len > LDG_PROOF_BUNDLE_MAX)
        return fail(out, LDG_PROOF_TOO_LARGE, "the bundle is %zu bytes; at most %d", len,
                    LDG_PROOF_BUNDLE_MAX);
    ldg_dec d;
    if (len == 0 || ldg_decode(&d, bundle, len) != LDG_OK)
        return fail(out, LDG_PROOF_MALFORMED,
                    "the bundle is not one canonical msgpack value (truncated, extended or "
                    "altered bytes)");
    trust_root t = {.genesis = genesis, .glen = glen};
    ldg_proof_rc rc = verify_decoded(d.root, &t, out);
    ldg_dec_free(&d);
    return rc;
}

ldg_proof_rc ldg_proof_verify_anchored(const uint8_t *bundle, size_t len, const uint8_t *header,
                                       size_t header_len, const ldg_hash *genesis_hash,
                                       ldg_proof_claim *out)
{
    memset(out, 0, sizeof *out);
    if (len > LDG_PROOF_BUNDLE_MAX)
        return fail(out, LDG_PROOF_TOO_LARGE, "the bundle is %zu bytes; at most %d", len,
                    LDG_PROOF_BUNDLE_MAX);
    ldg_dec d;
    if (len == 0 || ldg_decode(&d, bundle, len) != LDG_OK)
        return fail(out, LDG_PROOF_MALFORMED,
                    "the bundle is not one canonical msgpack value (truncated, extended or "
                    "altered bytes)");
    trust_root t = {.header = header, .header_len = header_len, .genesis_hash = genesis_hash};
    ldg_proof_rc rc = verify_decoded(d.root, &t, out);
    ldg_dec_free(&d);
    return rc;
}

void ldg_proof_claim_free(ldg_proof_claim *c)
{
    free(c->value);
    c->value = NULL;
}

/* ---- building ---- */

/* The last block whose time is at most until_ms, by bisection over the stored headers
 * (block times strictly increase). False if even block 0 is later. */
static bool height_until(ldg_chain *c, uint64_t tip, uint64_t until_ms, uint64_t *out)
{
    uint64_t lo = 0, hi = tip; /* answer in [lo, hi] once block lo qualifies */
    ldg_record r;
    if (ldg_chain_read_block(c, 0, &r) != LDG_OK)
        return false;
    bool first = r.header.time_ms <= until_ms;
    ldg_record_free(&r);
    if (!first)
        return false;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (ldg_chain_read_block(c, mid, &r) != LDG_OK)
            return false;
        bool ok = r.header.time_ms <= until_ms;
        ldg_record_free(&r);
        if (ok)
            lo = mid;
        else
            hi = mid - 1;
    }
    *out = lo;
    return true;
}

static ldg_err pick_height(ldg_chain *c, const ldg_proof_at *at, uint64_t *h, char *why, size_t wl)
{
    ldg_tip tip = ldg_chain_tip(c);
    if (tip.height == 0) {
        snprintf(why, wl,
                 "no state is certified yet: the state after block 0 is certified by "
                 "block 1, which is not committed");
        return LDG_ERR_NOT_FOUND;
    }
    if (at->has_height) {
        *h = at->height;
    } else if (at->has_until) {
        if (!height_until(c, tip.height, at->until_ms, h)) {
            snprintf(why, wl, "no block is as old as that: the chain starts later");
            return LDG_ERR_NOT_FOUND;
        }
    } else {
        *h = tip.height - 1;
    }
    if (*h >= tip.height) {
        snprintf(why, wl,
                 "the state after block %llu is not certified yet: block %llu, whose header "
                 "carries its root, is not committed (the tip is %llu)",
                 (unsigned long long)*h, (unsigned long long)*h + 1,
                 (unsigned long long)tip.height);
        return LDG_ERR_NOT_FOUND;
    }
    return LDG_OK;
}

/* The facts a kind proves, given the user's key (proofs.md §3). */
static uint32_t kind_keys(uint64_t kind, const uint8_t *key, size_t kl,
                          uint8_t keys[][LDG_PROOF_KEY_MAX], size_t *lens)
{
    memcpy(keys[0], key, kl);
    lens[0] = kl;
    if (kind != LDG_PROOF_KIND_HOLDING)
        return 1;
    keys[1][0] = 'a';
    memcpy(keys[1] + 1, key + 1, LDG_PROOF_ID_LEN);
    lens[1] = 1 + LDG_PROOF_ID_LEN;
    return 2;
}

static bool key_fits_kind(uint64_t kind, const uint8_t *key, size_t kl)
{
    switch (kind) {
    case LDG_PROOF_KIND_KEY:
        return kl >= 1 && kl <= LDG_PROOF_KEY_MAX;
    case LDG_PROOF_KIND_HOLDING:
        return kl == 1 + LDG_PROOF_ID_LEN + 20 && key[0] == 'b' && id12_ok(key + 1);
    case LDG_PROOF_KIND_INSTRUMENT:
        return kl == 1 + LDG_PROOF_ID_LEN && key[0] == 'a' && id12_ok(key + 1);
    case LDG_PROOF_KIND_PARTICIPANT:
        return kl == 21 && key[0] == 'p';
    case LDG_PROOF_KIND_INVESTOR:
        return kl == 22 && key[0] == 'A' && key[1] == 'I';
    default:
        return false;
    }
}

/* The store's record of a trust step (meta): "valset/step" ‖ be64(F) -> the step. Outside
 * the state: what this node built or state sync received and verified. */
static const char META_STEP[] = "valset/step";
#define STEP_KEY_LEN (sizeof META_STEP - 1 + 8)

static void step_key(uint8_t k[STEP_KEY_LEN], uint64_t from)
{
    memcpy(k, META_STEP, sizeof META_STEP - 1);
    for (int i = 0; i < 8; i++)
        k[sizeof META_STEP - 1 + i] = (uint8_t)(from >> (56 - 8 * i));
}

ldg_err ldg_trust_keep(ldg_store *s, uint64_t from, const uint8_t *step, size_t len)
{
    uint8_t k[STEP_KEY_LEN];
    step_key(k, from);
    ldg_batch *b = ldg_batch_new(s);
    ldg_batch_put(b, LDG_CF_META, k, sizeof k, step, len);
    ldg_err err = ldg_store_write(s, b, true);
    ldg_batch_free(b);
    return err;
}

ldg_err ldg_trust_keep_all(ldg_store *s, const msgpack_object *steps, uint32_t n)
{
    ldg_err err = LDG_OK;
    for (uint32_t i = 0; err == LDG_OK && i < n; i++) {
        const msgpack_object *x, *fx;
        const uint8_t *key;
        size_t kl;
        if (!ldg_obj_array(&steps[i], 4, &x) || !ldg_obj_array(&x[3], 3, &fx) ||
            !ldg_obj_bin_ref(&fx[0], LDG_PROOF_KEY_MAX, &key, &kl) || kl != LDG_VALSET_KEY_LEN)
            return LDG_ERR_CORRUPT;
        uint64_t from = 0;
        for (int j = 0; j < 8; j++)
            from = from << 8 | key[1 + j];
        /* The decoded value was canonical, so packing it again gives its bytes. */
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_object(&pk, steps[i]);
        err = ldg_trust_keep(s, from, (const uint8_t *)sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
    }
    return err;
}

/* The step of the change in force from F: certified by block F - 1 (under the set before
 * it), proving the entry in the state after F - 2 (recorded at least LDG_VALSET_LEAD blocks
 * before F). */
static ldg_err step_build(ldg_chain *c, uint64_t from, ldg_enc *e, char *why, size_t wl)
{
    uint8_t key[LDG_VALSET_KEY_LEN];
    ldg_valset_key(key, from);
    ldg_proof_fact f = {.key = key, .key_len = sizeof key};
    uint8_t *val = NULL, *proof = NULL;
    ldg_err err = ldg_proof_tree_prove(c, from - 2, key, sizeof key, &f.present, &val, &f.value_len,
                                       &proof, &f.proof_len, why, wl);
    ldg_record r;
    if (err == LDG_OK && ldg_chain_read_block(c, from - 1, &r) != LDG_OK) {
        snprintf(why, wl, "block %llu is unreadable", (unsigned long long)from - 1);
        err = LDG_ERR_CORRUPT;
    } else if (err == LDG_OK) {
        if (!f.present) {
            snprintf(why, wl, "the change to the set from %llu is not in the state after %llu",
                     (unsigned long long)from, (unsigned long long)from - 2);
            err = LDG_ERR_CORRUPT;
        } else {
            f.value = val;
            f.proof = proof;
            ldg_enc eh;
            ldg_enc_init(&eh);
            ldg_header_encode(&eh, &r.header);
            ldg_trust_step_encode(e, from - 2, ldg_enc_data(&eh), ldg_enc_len(&eh), &r.cert, &f);
            ldg_enc_free(&eh);
        }
        ldg_record_free(&r);
    }
    free(val);
    free(proof);
    return err;
}

ldg_err ldg_trust_build(ldg_chain *c, uint64_t upto, ldg_enc *e, uint32_t *n, char *why,
                        size_t why_len)
{
    ldg_valset *v = malloc(LDG_VALSET_CHANGES_MAX * sizeof *v);
    LDG_ASSERT(v);
    ldg_state *st = ldg_chain_reader(c);
    uint32_t count = 0;
    ldg_err err = ldg_valset_changes(st, 0, v, LDG_VALSET_CHANGES_MAX, &count);
    ldg_state_free(st);
    uint32_t k = 0;
    while (k < count && v[k].from <= upto)
        k++;
    if (err == LDG_OK)
        ldg_enc_array(e, k);
    for (uint32_t i = 0; err == LDG_OK && i < k; i++) {
        uint8_t sk[STEP_KEY_LEN];
        step_key(sk, v[i].from);
        uint8_t *raw;
        size_t rl;
        err = ldg_store_get(ldg_chain_store(c), LDG_CF_META, sk, sizeof sk, &raw, &rl);
        if (err == LDG_OK) {
            ldg_enc_raw(e, raw, rl);
            free(raw);
            continue;
        }
        if (err != LDG_ERR_NOT_FOUND)
            break;
        ldg_enc one;
        ldg_enc_init(&one);
        err = step_build(c, v[i].from, &one, why, why_len);
        if (err == LDG_OK) {
            ldg_enc_raw(e, ldg_enc_data(&one), ldg_enc_len(&one));
            /* Kept, so that pruning the tree later does not lose it; a read-only store
             * builds it again next time, and a failed write only costs that. */
            if (!ldg_chain_read_only(c) &&
                ldg_trust_keep(ldg_chain_store(c), v[i].from, ldg_enc_data(&one),
                               ldg_enc_len(&one)) != LDG_OK)
                snprintf(why, why_len, "the trust step could not be kept");
        } else {
            size_t l = strlen(why);
            snprintf(why + l, why_len - l, " (the change of the validator set from %llu)",
                     (unsigned long long)v[i].from);
        }
        ldg_enc_free(&one);
    }
    if (err != LDG_OK && !why[0])
        snprintf(why, why_len, "the validator-set changes do not read: %s", ldg_err_str(err));
    *n = k;
    free(v);
    return err;
}

ldg_err ldg_proof_build(ldg_chain *c, uint64_t kind, const uint8_t *key, size_t key_len,
                        const ldg_proof_at *at, uint8_t **out, size_t *out_len, uint64_t *height,
                        char *why, size_t why_len)
{
    if (!key_fits_kind(kind, key, key_len)) {
        snprintf(why, why_len, "the key is not of the form proof kind %llu proves (proofs.md §3)",
                 (unsigned long long)kind);
        return LDG_ERR_INVALID;
    }
    uint64_t h;
    ldg_err err = pick_height(c, at, &h, why, why_len);
    if (err != LDG_OK)
        return err;
    ldg_record rh, rn;
    if (ldg_chain_read_block(c, h, &rh) != LDG_OK) {
        snprintf(why, why_len, "block %llu is unreadable", (unsigned long long)h);
        return LDG_ERR_CORRUPT;
    }
    if (ldg_chain_read_block(c, h + 1, &rn) != LDG_OK) {
        ldg_record_free(&rh);
        snprintf(why, why_len, "block %llu is unreadable", (unsigned long long)h + 1);
        return LDG_ERR_CORRUPT;
    }
    ldg_proof_bundle b;
    memset(&b, 0, sizeof b);
    b.genesis_hash = *ldg_chain_genesis_hash(c);
    b.height = h;
    b.kind = kind;
    uint8_t keys[LDG_PROOF_FACTS_MAX][LDG_PROOF_KEY_MAX];
    size_t lens[LDG_PROOF_FACTS_MAX];
    uint8_t *vals[LDG_PROOF_FACTS_MAX] = {0}, *proofs[LDG_PROOF_FACTS_MAX] = {0};
    b.fact_count = kind_keys(kind, key, key_len, keys, lens);
    for (uint32_t i = 0; err == LDG_OK && i < b.fact_count; i++) {
        ldg_proof_fact *f = &b.facts[i];
        f->key = keys[i];
        f->key_len = lens[i];
        err = ldg_proof_tree_prove(c, h, keys[i], lens[i], &f->present, &vals[i], &f->value_len,
                                   &proofs[i], &f->proof_len, why, why_len);
        f->value = vals[i];
        f->proof = proofs[i];
    }
    if (err == LDG_OK) {
        ldg_enc eh, en, e;
        ldg_enc_init(&eh);
        ldg_enc_init(&en);
        ldg_enc_init(&e);
        ldg_header_encode(&eh, &rh.header);
        ldg_header_encode(&en, &rn.header);
        b.header_h = ldg_enc_data(&eh);
        b.header_h_len = ldg_enc_len(&eh);
        b.header_next = ldg_enc_data(&en);
        b.header_next_len = ldg_enc_len(&en);
        b.cert_next = rn.cert;
        ldg_enc et;
        ldg_enc_init(&et);
        why[0] = 0;
        err = ldg_trust_build(c, h + 1, &et, &b.trust_count, why, why_len);
        b.trust = ldg_enc_data(&et);
        b.trust_len = ldg_enc_len(&et);
        if (err == LDG_OK)
            ldg_proof_encode(&e, &b);
        ldg_enc_free(&et);
        if (err == LDG_OK && ldg_enc_len(&e) > LDG_PROOF_BUNDLE_MAX) {
            snprintf(why, why_len, "the bundle would be %zu bytes; at most %d", ldg_enc_len(&e),
                     LDG_PROOF_BUNDLE_MAX);
            err = LDG_ERR_INVALID;
        }
        if (err == LDG_OK) {
            *out = ldg_enc_take(&e, out_len);
            *height = h;
        }
        ldg_enc_free(&eh);
        ldg_enc_free(&en);
        ldg_enc_free(&e);
    }
    for (uint32_t i = 0; i < LDG_PROOF_FACTS_MAX; i++) {
        free(vals[i]);
        free(proofs[i]);
    }
    ldg_record_free(&rh);
    ldg_record_free(&rn);
    return err;
}
