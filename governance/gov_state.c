/* Governance state: names, the proposal payload decoder, stored proposals, the committee
 * and the governed parameters (specs/governance.md §3-§5). */
#include "gov_module.h"
#include "ldg_chain.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
    NULL,           "member-admit", "member-remove", "role-grant", "role-revoke",
    "code-approve", "code-revoke",  "param-set",     "action",     "validator-set",
};
static const char *const status_names[] = {NULL,        "open",   "passed",
                                           "activated", "failed", "expired"};

const char *gov_kind_name(uint64_t kind)
{
    return kind >= 1 && kind <= GOV_KIND_MAX ? kind_names[kind] : NULL;
}

uint64_t gov_kind_parse(const char *name)
{
    for (uint64_t k = 1; k <= GOV_KIND_MAX; k++)
        if (!strcmp(kind_names[k], name))
            return k;
    return 0;
}

const char *gov_status_name(uint64_t status)
{
    return status >= GOV_OPEN && status <= GOV_EXPIRED ? status_names[status] : "unknown";
}

uint64_t gov_status_parse(const char *name)
{
    for (uint64_t s = GOV_OPEN; s <= GOV_EXPIRED; s++)
        if (!strcmp(status_names[s], name))
            return s;
    return 0;
}

/* Parameters: the parameter names the chain reads, bounds that keep it live. */
const gov_param_def gov_param_defs[] = {
    {"block.max_bytes", LDG_BLOCK_SIZE_MAX, LDG_BLOCK_SIZE_FLOOR, LDG_BLOCK_SIZE_MAX,
     "encoded transaction bytes of one block at most (blocks after the activation's)"},
    {"block.max_txs", LDG_BLOCK_TX_MAX, LDG_BLOCK_TX_FLOOR, LDG_BLOCK_TX_MAX,
     "transactions of one block at most (blocks after the activation's)"},
    {"chains.anchor_period_ms", 10000, 1000, 86400000,
     "default anchoring period of a sub-chain (ms of main-chain block time)"},
    {"chains.retention", 10000, 16, 100000000,
     "anchored checkpoints of a sub-chain the main chain keeps"},
    {"gov.activation_delay_min", 1, 1, GOV_ACTIVATION_DELAY_MAX,
     "fewest blocks between a proposal passing and its activation"},
    {"gov.approval_bps", 6666, 5001, 10000,
     "yes weight needed, in basis points of the yes and no weight"},
    {"gov.members_min", 1, 1, LDG_COMMITTEE_MEMBERS_MAX,
     "fewest members the committee may keep (a removal below it is refused)"},
    {"gov.quorum_bps", 6666, 1, 10000,
     "participation needed (yes, no and abstain weight), in basis points of the total"},
    {"gov.voting_blocks_max", 100000, 1, GOV_VOTING_BLOCKS_MAX,
     "longest voting period of a proposal, in blocks"},
};
const size_t gov_param_def_count = sizeof gov_param_defs / sizeof gov_param_defs[0];

static const gov_param_def *param_def(const char *name)
{
    for (size_t i = 0; i < gov_param_def_count; i++)
        if (!strcmp(gov_param_defs[i].name, name))
            return &gov_param_defs[i];
    return NULL;
}

ldg_err gov_param_get(ldg_state *st, const char *name, uint64_t *value)
{
    const gov_param_def *d = param_def(name);
    if (!d)
        return LDG_ERR_NOT_FOUND;
    uint8_t key[2 + GOV_PARAM_NAME_LEN_MAX] = {'G', 'P'};
    size_t nl = strlen(name);
    memcpy(key + 2, name, nl);
    const uint8_t *v;
    size_t vl;
    bool found;
    ldg_err e = ldg_state_get(st, key, 2 + nl, &v, &vl, &found);
    if (e != LDG_OK)
        return e;
    if (!found) {
        *value = d->def;
        return LDG_OK;
    }
    return ldg_state_get_u64(st, key, 2 + nl, value);
}

ldg_err gov_block_limits(ldg_state *st, ldg_block_limits *out)
{
    uint64_t txs, bytes;
    ldg_err err = gov_param_get(st, "block.max_txs", &txs);
    if (err == LDG_OK)
        err = gov_param_get(st, "block.max_bytes", &bytes);
    if (err != LDG_OK)
        return err;
    /* gov_param_defs bound both; the ledger clamps them again */
    *out = (ldg_block_limits){(uint32_t)(txs > UINT32_MAX ? UINT32_MAX : txs), bytes};
    return LDG_OK;
}

void gov_committee_account(ldg_account *out)
{
    ldg_hash h;
    ldg_tagged_hash(&h, "folio/committee", "", 0);
    memcpy(out->b, h.b, LDG_ACCOUNT_LEN);
}

void gov_key_id(uint8_t key[10], char sub, uint64_t id)
{
    key[0] = 'G';
    key[1] = (uint8_t)sub;
    for (int i = 0; i < 8; i++)
        key[2 + i] = (uint8_t)(id >> (56 - 8 * i));
}

/* ---- the proposal payload ---- */

static ldg_result bad(char *detail, size_t len, ldg_result r, const char *why)
{
    if (detail)
        snprintf(detail, len, "%s", why);
    return r;
}

static bool decode_params(const msgpack_object *o, gov_params *p)
{
    const msgpack_object *f;
    switch (p->kind) {
    case GOV_KIND_MEMBER_ADMIT:
    case GOV_KIND_ROLE_GRANT:
    case GOV_KIND_ROLE_REVOKE:
        return ldg_obj_array(o, 2, &f) && ldg_obj_bin(&f[0], p->account.b, LDG_ACCOUNT_LEN) &&
               ldg_obj_u64(&f[1], &p->value);
    case GOV_KIND_MEMBER_REMOVE:
        return ldg_obj_array(o, 1, &f) && ldg_obj_bin(&f[0], p->account.b, LDG_ACCOUNT_LEN);
    case GOV_KIND_CODE_APPROVE:
    case GOV_KIND_CODE_REVOKE:
        return ldg_obj_array(o, 1, &f) && ldg_obj_bin(&f[0], p->hash, 32);
    case GOV_KIND_PARAM_SET:
        return ldg_obj_array(o, 2, &f) &&
               ldg_obj_str(&f[0], p->name, GOV_PARAM_NAME_LEN_MAX, false) &&
               ldg_obj_u64(&f[1], &p->value);
    case GOV_KIND_ACTION:
        return ldg_obj_array(o, 2, &f) && ldg_obj_u64(&f[0], &p->value) &&
               ldg_obj_bin_ref(&f[1], GOV_PROPOSAL_SIZE_MAX + 1, &p->payload, &p->payload_len);
    case GOV_KIND_VALIDATOR_SET: {
        const msgpack_object *k;
        if (!ldg_obj_array(o, 3, &f) || !ldg_obj_u64(&f[0], &p->value) ||
            !ldg_obj_array_any(&f[1], LDG_VALIDATORS_MAX, &k, &p->key_count) ||
            !ldg_obj_u64(&f[2], &p->height))
            return false;
        for (uint32_t i = 0; i < p->key_count; i++)
            if (!ldg_obj_bin(&k[i], p->keys[i].b, LDG_PUBKEY_LEN))
                return false;
        return true;
    }
    }
    return false;
}

/* The field domains that need no state. */
static ldg_result check_domain(const gov_params *p, char *detail, size_t len)
{
    switch (p->kind) {
    case GOV_KIND_MEMBER_ADMIT:
        if (p->value == 0 || p->value > LDG_COMMITTEE_WEIGHT_MAX)
            return bad(detail, len, GOV_R_BAD_PARAMS, "the weight must be 1 to 1000000");
        break;
    case GOV_KIND_ROLE_GRANT:
    case GOV_KIND_ROLE_REVOKE:
        if (p->value == 0 || p->value > LDG_ROLE_ALL)
            return bad(detail, len, GOV_R_BAD_PARAMS,
                       "roles must be a non-empty set of the roles of transactions.md §6");
        break;
    case GOV_KIND_ACTION:
        if (p->payload_len > GOV_PROPOSAL_SIZE_MAX)
            return bad(detail, len, GOV_R_PROPOSAL_TOO_LARGE,
                       "the action payload is over 16384 bytes");
        if (p->value == 0 || p->value > UINT16_MAX)
            return bad(detail, len, GOV_R_BAD_PARAMS, "the action type must be 1 to 65535");
        break;
    case GOV_KIND_VALIDATOR_SET:
        if (p->value < GOV_VALSET_ADD || p->value > GOV_VALSET_REPLACE)
            return bad(detail, len, GOV_R_BAD_PARAMS,
                       "the operation must be 1 (add), 2 (remove) or 3 (replace)");
        if (p->key_count == 0)
            return bad(detail, len, GOV_R_VALSET_SIZE, "the proposal names no key");
        for (uint32_t i = 0; i < p->key_count; i++) {
            if (!ldg_pubkey_valid(&p->keys[i])) {
                if (detail)
                    snprintf(detail, len, "key %u is not a valid x-only key", i);
                return GOV_R_VALSET_BAD_KEY;
            }
            for (uint32_t j = 0; j < i; j++)
                if (!memcmp(p->keys[i].b, p->keys[j].b, LDG_PUBKEY_LEN)) {
                    if (detail)
                        snprintf(detail, len, "key %u repeats key %u", i, j);
                    return GOV_R_VALSET_REPEAT;
                }
        }
        break;
    default:
        break;
    }
    return LDG_R_OK;
}

ldg_result gov_proposal_decode(const msgpack_object *o, gov_proposal_in *out, char *detail,
                               size_t detail_len)
{
    memset(out, 0, sizeof *out);
    const msgpack_object *f;
    if (!ldg_obj_array(o, 4, &f) || !ldg_obj_u64(&f[0], &out->params.kind) ||
        !ldg_obj_u64(&f[2], &out->expiry_height) || !ldg_obj_u64(&f[3], &out->delay))
        return bad(detail, detail_len, LDG_R_BAD_PAYLOAD,
                   "gov.propose takes [kind, params, expiry height, activation delay]");
    if (!gov_kind_name(out->params.kind))
        return bad(detail, detail_len, GOV_R_BAD_KIND, "kinds are 1 to 9 (governance.md §6)");
    if (!decode_params(&f[1], &out->params)) {
        if (detail)
            snprintf(detail, detail_len, "the parameters do not have the shape of %s",
                     gov_kind_name(out->params.kind));
        return GOV_R_BAD_PARAMS;
    }
    return check_domain(&out->params, detail, detail_len);
}

void gov_params_encode(ldg_enc *e, const gov_params *p)
{
    switch (p->kind) {
    case GOV_KIND_MEMBER_ADMIT:
    case GOV_KIND_ROLE_GRANT:
    case GOV_KIND_ROLE_REVOKE:
        ldg_enc_array(e, 2);
        ldg_enc_bin(e, p->account.b, LDG_ACCOUNT_LEN);
        ldg_enc_u64(e, p->value);
        break;
    case GOV_KIND_MEMBER_REMOVE:
        ldg_enc_array(e, 1);
        ldg_enc_bin(e, p->account.b, LDG_ACCOUNT_LEN);
        break;
    case GOV_KIND_CODE_APPROVE:
    case GOV_KIND_CODE_REVOKE:
        ldg_enc_array(e, 1);
        ldg_enc_bin(e, p->hash, 32);
        break;
    case GOV_KIND_PARAM_SET:
        ldg_enc_array(e, 2);
        ldg_enc_str(e, p->name);
        ldg_enc_u64(e, p->value);
        break;
    case GOV_KIND_ACTION:
        ldg_enc_array(e, 2);
        ldg_enc_u64(e, p->value);
        ldg_enc_bin(e, p->payload, p->payload_len);
        break;
    case GOV_KIND_VALIDATOR_SET:
        ldg_enc_array(e, 3);
        ldg_enc_u64(e, p->value);
        ldg_enc_array(e, p->key_count);
        for (uint32_t i = 0; i < p->key_count; i++)
            ldg_enc_bin(e, p->keys[i].b, LDG_PUBKEY_LEN);
        ldg_enc_u64(e, p->height);
        break;
    default:
        LDG_ASSERT(!"unknown kind");
    }
}

ldg_err gov_params_decode_stored(const gov_proposal *p, ldg_dec *dec, gov_params *out)
{
    memset(out, 0, sizeof *out);
    out->kind = p->kind;
    if (ldg_decode(dec, p->params, p->params_len) != LDG_OK)
        return LDG_ERR_CORRUPT;
    if (!decode_params(dec->root, out)) {
        ldg_dec_free(dec);
        return LDG_ERR_CORRUPT;
    }
    return LDG_OK;
}

/* ---- stored proposals ---- */

void gov_proposal_put(ldg_state *st, const gov_proposal *p)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 13);
    ldg_enc_bin(&e, p->proposer.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&e, p->kind);
    ldg_enc_bin(&e, p->params, p->params_len);
    ldg_enc_u64(&e, p->height);
    ldg_enc_u64(&e, p->expiry_height);
    ldg_enc_u64(&e, p->delay);
    ldg_enc_u64(&e, p->status);
    ldg_enc_u64(&e, p->yes);
    ldg_enc_u64(&e, p->no);
    ldg_enc_u64(&e, p->abstain);
    ldg_enc_u64(&e, p->activation_height);
    ldg_enc_u64(&e, p->result);
    ldg_enc_str(&e, p->detail);
    uint8_t key[10];
    gov_key_id(key, 'p', p->id);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

ldg_err gov_proposal_get(ldg_state *st, uint64_t id, gov_proposal *out, bool *found)
{
    uint8_t key[10];
    gov_key_id(key, 'p', id);
    const uint8_t *v, *params;
    size_t vl;
    ldg_err e = ldg_state_get(st, key, sizeof key, &v, &vl, found);
    if (e != LDG_OK || !*found)
        return e;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    out->id = id;
    bool ok = ldg_obj_array(d.root, 13, &f) &&
              ldg_obj_bin(&f[0], out->proposer.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_u64(&f[1], &out->kind) &&
              ldg_obj_bin_ref(&f[2], GOV_PROPOSAL_SIZE_MAX, &params, &out->params_len) &&
              ldg_obj_u64(&f[3], &out->height) && ldg_obj_u64(&f[4], &out->expiry_height) &&
              ldg_obj_u64(&f[5], &out->delay) && ldg_obj_u64(&f[6], &out->status) &&
              ldg_obj_u64(&f[7], &out->yes) && ldg_obj_u64(&f[8], &out->no) &&
              ldg_obj_u64(&f[9], &out->abstain) && ldg_obj_u64(&f[10], &out->activation_height) &&
              ldg_obj_u64(&f[11], &out->result) &&
              ldg_obj_str(&f[12], out->detail, LDG_TEXT_LEN_MAX, true);
    if (ok)
        memcpy(out->params, params, out->params_len);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

/* ---- the committee ---- */

typedef struct member_scan {
    gov_committee *c;
    bool bad;
} member_scan;

static bool on_member(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    member_scan *s = arg;
    ldg_dec d;
    const msgpack_object *f;
    if (kl != 2 + LDG_ACCOUNT_LEN || s->c->count >= LDG_COMMITTEE_MEMBERS_MAX ||
        ldg_decode(&d, v, vl) != LDG_OK) {
        s->bad = true;
        return false;
    }
    gov_member *m = &s->c->members[s->c->count];
    memcpy(m->account.b, k + 2, LDG_ACCOUNT_LEN);
    bool ok = ldg_obj_array(d.root, 2, &f) && ldg_obj_u64(&f[0], &m->weight) &&
              ldg_obj_u64(&f[1], &m->height) && m->weight >= 1 &&
              m->weight <= LDG_COMMITTEE_WEIGHT_MAX;
    ldg_dec_free(&d);
    if (!ok) {
        s->bad = true;
        return false;
    }
    s->c->count++;
    s->c->total_weight += m->weight;
    return true;
}

typedef struct registrar_scan {
    gov_committee *c;
    bool bad;
} registrar_scan;

/* The default committee of a chain whose genesis named none: its genesis registrars. */
static bool on_participant(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    registrar_scan *s = arg;
    ldg_participant p;
    if (ldg_participant_decode(v, vl, &p) != LDG_OK) {
        s->bad = true;
        return false;
    }
    if (p.height != 0 || !(p.roles & LDG_ROLE_REGISTRAR))
        return true;
    if (s->c->count >= LDG_COMMITTEE_MEMBERS_MAX)
        return false; /* the first 64 by account: genesis allows at most 128 participants */
    gov_member *m = &s->c->members[s->c->count++];
    m->account = p.account;
    m->weight = 1;
    m->height = 0;
    s->c->total_weight++;
    return true;
}

ldg_err gov_committee_read(ldg_state *st, gov_committee *out)
{
    memset(out, 0, sizeof *out);
    const uint8_t ck[2] = {'G', 'c'};
    const uint8_t *v;
    size_t vl;
    bool found;
    ldg_err e = ldg_state_get(st, ck, sizeof ck, &v, &vl, &found);
    if (e != LDG_OK)
        return e;
    if (found) {
        const uint8_t prefix[2] = {'G', 'm'};
        member_scan s = {out, false};
        e = ldg_state_scan(st, prefix, sizeof prefix, LDG_COMMITTEE_MEMBERS_MAX + 1, on_member, &s);
        return e != LDG_OK ? e : s.bad ? LDG_ERR_CORRUPT : LDG_OK;
    }
    out->derived = true;
    const uint8_t pp[1] = {LDG_KEY_PARTICIPANT};
    registrar_scan s = {out, false};
    e = ldg_state_scan(st, pp, sizeof pp, SIZE_MAX, on_participant, &s);
    return e != LDG_OK ? e : s.bad ? LDG_ERR_CORRUPT : LDG_OK;
}

static void put_member(ldg_state *st, const gov_member *m)
{
    uint8_t key[2 + LDG_ACCOUNT_LEN] = {'G', 'm'};
    memcpy(key + 2, m->account.b, LDG_ACCOUNT_LEN);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, m->weight);
    ldg_enc_u64(&e, m->height);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* 'G' 'c' = [count, total weight]: present once the committee is in state. */
static void put_summary(ldg_state *st, const gov_committee *c)
{
    const uint8_t ck[2] = {'G', 'c'};
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, c->count);
    ldg_enc_u64(&e, c->total_weight);
    ldg_state_put(st, ck, sizeof ck, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

void gov_committee_write(ldg_state *st, const gov_committee *c)
{
    for (uint32_t i = 0; i < c->count; i++)
        put_member(st, &c->members[i]);
    put_summary(st, c);
}

ldg_err gov_committee_materialise(ldg_state *st, gov_committee *c)
{
    ldg_err e = gov_committee_read(st, c);
    if (e == LDG_OK && c->derived) {
        gov_committee_write(st, c);
        c->derived = false;
    }
    return e;
}

/* Genesis: the committee the document names (nothing for a four-field document, whose
 * genesis root stays what it was; its registrars become the committee later). */
void gov_genesis_hook(ldg_state *st, const struct ldg_genesis *g);
void gov_genesis_hook(ldg_state *st, const struct ldg_genesis *g)
{
    if (!g->committee_count)
        return;
    gov_committee c = {0};
    for (uint32_t i = 0; i < g->committee_count; i++)
        for (uint32_t j = 0; j < g->participant_count; j++)
            if (!strcmp(g->committee[i].name, g->participants[j].name)) {
                gov_member *m = &c.members[c.count++];
                ldg_account_of(&m->account, &g->participants[j].key);
                m->weight = g->committee[i].weight;
                c.total_weight += m->weight;
                break;
            }
    gov_committee_write(st, &c);
}
