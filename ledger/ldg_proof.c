/* Proof bundles: encoding, the offline verifier, and the node-side builder
 * (specs/proofs.md). The verifier trusts nothing in the bundle: it decodes strictly, then
 * checks the anchor (headers, certificate under the genesis validator set) before it looks
 * at any fact, so a tree proof is only ever checked against a root a quorum signed. */
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
    ldg_enc_u64(e, LDG_PROOF_VERSION);
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
    ldg_enc_array(e, 0); /* trust: the validator set is fixed at genesis (proofs.md §5) */
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
    if (!ldg_obj_array_any(&f[7], UINT32_MAX, &trust, &nt))
        return fail(c, LDG_PROOF_MALFORMED, "field 7 (trust) is not an array");
    (void)trust;
    return nt ? LDG_PROOF_VALSET : LDG_PROOF_OK; /* VALSET is reported in its turn (step 10) */
}

static ldg_proof_rc check_anchor(const ldg_proof_bundle *b, const ldg_genesis *g,
                                 const ldg_header *hh, const ldg_header *hn, bool trust_changes,
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
    if (trust_changes)
        return fail(c, LDG_PROOF_VALSET,
                    "the bundle lists validator-set changes, but this chain's set is fixed at "
                    "genesis and version 1 cannot follow changes (proofs.md §5)");
    const ldg_cert *ct = &b->cert_next;
    if (ct->height != hn->height || memcmp(ct->block_hash.b, hash_n.b, LDG_HASH_LEN))
        return fail(c, LDG_PROOF_CERT,
                    "the certificate is for another block (height %llu), not header %llu",
                    (unsigned long long)ct->height, (unsigned long long)hn->height);
    c->signers = ct->count;
    c->validators = g->validator_count;
    if (ct->count < ldg_quorum(g->validator_count))
        return fail(c, LDG_PROOF_CERT,
                    "the certificate has %u signatures; a quorum of the genesis set of %u "
                    "validators is %u",
                    ct->count, g->validator_count, ldg_quorum(g->validator_count));
    for (uint32_t i = 0; i < ct->count; i++)
        if (ct->sigs[i].validator >= g->validator_count)
            return fail(c, LDG_PROOF_CERT,
                        "certificate signature %u names validator %u; the genesis set has %u", i,
                        ct->sigs[i].validator, g->validator_count);
    if (!ldg_cert_verify(ct, g->chain_id, g->validators, g->validator_count))
        return fail(c, LDG_PROOF_CERT,
                    "the certificate of block %llu is not signed by a quorum of the genesis "
                    "validator set (a signature is bad or a validator signs twice)",
                    (unsigned long long)hn->height);
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
                                   const ldg_header *hh, const ldg_header *hn, bool trust_changes,
                                   ldg_proof_claim *c)
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
    if (trust_changes)
        return fail(c, LDG_PROOF_VALSET, "the bundle lists validator-set changes (proofs.md §5)");
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
    if (!ldg_obj_u64(&f[1], &version) || version != LDG_PROOF_VERSION)
        return fail(c, LDG_PROOF_BAD_VERSION, "bundle version %s; this verifier knows version %d",
                    f[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER ? "other than 1" : "not a number",
                    LDG_PROOF_VERSION);
    ldg_proof_bundle b;
    memset(&b, 0, sizeof b);
    ldg_proof_rc rc = decode_fields(f, &b, c);
    bool trust_changes = rc == LDG_PROOF_VALSET;
    if (rc != LDG_PROOF_OK && !trust_changes)
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
        rc = check_anchored(&b, t, &hh, &hn, trust_changes, c);
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
    rc = check_anchor(&b, gp, &hh, &hn, trust_changes, c);
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
        ldg_proof_encode(&e, &b);
        *out = ldg_enc_take(&e, out_len);
        *height = h;
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
