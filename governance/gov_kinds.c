/* The proposal kinds: their state checks (at proposal and again at activation, since the
 * state may have changed in between) and their effects (specs/governance.md §6). */
#include "gov_module.h"
#include "ldg_valset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DETAIL(...) (detail ? (void)snprintf(detail, detail_len, __VA_ARGS__) : (void)0)

static ldg_result store_failed(void)
{
    return LDG_R_STORE_FAILED;
}

static int member_index(const gov_committee *c, const ldg_account *a)
{
    for (uint32_t i = 0; i < c->count; i++)
        if (!memcmp(c->members[i].account.b, a->b, LDG_ACCOUNT_LEN))
            return (int)i;
    return -1;
}

static ldg_result check_member(ldg_state *st, const gov_params *p, char *detail, size_t detail_len)
{
    gov_committee c;
    if (gov_committee_read(st, &c) != LDG_OK)
        return store_failed();
    int at = member_index(&c, &p->account);
    if (p->kind == GOV_KIND_MEMBER_ADMIT) {
        ldg_participant part;
        bool found;
        if (ldg_participant_get(st, &p->account, &part, &found) != LDG_OK)
            return store_failed();
        if (!found)
            return LDG_R_UNKNOWN_ACCOUNT;
        if (at >= 0) {
            DETAIL("'%s' is a member already", part.name);
            return GOV_R_ALREADY_MEMBER;
        }
        if (c.count >= LDG_COMMITTEE_MEMBERS_MAX)
            return GOV_R_COMMITTEE_FULL;
        return LDG_R_OK;
    }
    if (at < 0) {
        DETAIL("the account to remove is not a committee member");
        return GOV_R_NOT_MEMBER;
    }
    uint64_t min;
    if (gov_param_get(st, "gov.members_min", &min) != LDG_OK)
        return store_failed();
    if (c.count - 1 < min) {
        DETAIL("the committee would keep %u members; gov.members_min is %llu", c.count - 1,
               (unsigned long long)min);
        return GOV_R_QUORUM_BREAK;
    }
    return LDG_R_OK;
}

static bool code_approved(ldg_state *st, const uint8_t hash[32], bool *found)
{
    uint8_t key[34] = {'G', 'h'};
    memcpy(key + 2, hash, 32);
    const uint8_t *v;
    size_t vl;
    return ldg_state_get(st, key, sizeof key, &v, &vl, found) == LDG_OK;
}

static ldg_result check_param(ldg_state *st, const gov_params *p, char *detail, size_t detail_len)
{
    const gov_param_def *d = NULL;
    for (size_t i = 0; i < gov_param_def_count; i++)
        if (!strcmp(gov_param_defs[i].name, p->name))
            d = &gov_param_defs[i];
    if (!d) {
        DETAIL("no governed parameter '%s' (governance.md §5)", p->name);
        return GOV_R_UNKNOWN_PARAM;
    }
    if (p->value < d->min || p->value > d->max) {
        DETAIL("%s must be %llu to %llu", d->name, (unsigned long long)d->min,
               (unsigned long long)d->max);
        return GOV_R_PARAM_RANGE;
    }
    if (!strcmp(d->name, "gov.members_min")) {
        gov_committee c;
        if (gov_committee_read(st, &c) != LDG_OK)
            return store_failed();
        if (p->value > c.count) {
            DETAIL("the committee has %u members, fewer than %llu", c.count,
                   (unsigned long long)p->value);
            return GOV_R_QUORUM_BREAK;
        }
    }
    return LDG_R_OK;
}

static ldg_result check_action(const ldg_registry *r, const gov_params *p, char *detail,
                               size_t detail_len)
{
    const ldg_tx_type *t = ldg_registry_find(r, p->value);
    if (!t) {
        DETAIL("no transaction type %llu is registered", (unsigned long long)p->value);
        return LDG_R_UNKNOWN_TYPE;
    }
    if (!(t->roles_any & LDG_ROLE_COMMITTEE)) {
        DETAIL("%s is not a committee action", t->name);
        return GOV_R_NOT_COMMITTEE_ACTION;
    }
    ldg_dec d;
    if (ldg_decode(&d, p->payload, p->payload_len) != LDG_OK) {
        DETAIL("the action payload is not one canonical msgpack value");
        return GOV_R_BAD_PARAMS;
    }
    ldg_dec_free(&d);
    return LDG_R_OK;
}

static int key_index(const ldg_valset *v, const ldg_pubkey *k)
{
    for (uint32_t i = 0; i < v->count; i++)
        if (!memcmp(v->keys[i].b, k->b, LDG_PUBKEY_LEN))
            return (int)i;
    return -1;
}

/* The set the change makes from the set in force now (*out); the checks of §6.9 that need
 * state. `height` is the block being executed, `at` the earliest block that can record the
 * change (height + delay at proposal, height at activation). */
static ldg_result valset_next(ldg_state *st, uint64_t height, uint64_t at, const gov_params *p,
                              ldg_valset *out, char *detail, size_t detail_len)
{
    uint32_t changes;
    uint64_t last_from;
    if (ldg_valset_summary(st, &changes, &last_from) != LDG_OK ||
        ldg_valset_at(st, UINT64_MAX, out) != LDG_OK)
        return store_failed();
    if (changes > 0 && last_from > height) {
        DETAIL("the change to the set from height %llu is not yet in force",
               (unsigned long long)last_from);
        return GOV_R_VALSET_PENDING;
    }
    if (changes >= LDG_VALSET_CHANGES_MAX) {
        DETAIL("the chain has recorded %u changes of its validator set, the most it may", changes);
        return GOV_R_VALSET_TOO_MANY;
    }
    if (at > UINT64_MAX - LDG_VALSET_LEAD || p->height < at + LDG_VALSET_LEAD) {
        DETAIL("effective height %llu: it must be at least %llu (recorded at %llu at the "
               "earliest, then %d blocks ahead)",
               (unsigned long long)p->height, (unsigned long long)(at + LDG_VALSET_LEAD),
               (unsigned long long)at, LDG_VALSET_LEAD);
        return GOV_R_VALSET_HEIGHT;
    }
    if (p->value == GOV_VALSET_REPLACE)
        out->count = 0;
    uint64_t n = out->count; /* a removal names only validators: at most count */
    for (uint32_t i = 0; i < p->key_count; i++) {
        int at_i = key_index(out, &p->keys[i]);
        if (p->value == GOV_VALSET_REMOVE && at_i < 0) {
            DETAIL("key %u is not a validator", i);
            return GOV_R_VALSET_NOT_VALIDATOR;
        }
        if (p->value == GOV_VALSET_ADD && at_i >= 0) {
            DETAIL("key %u is a validator already", i);
            return GOV_R_VALSET_REPEAT;
        }
    }
    n = p->value == GOV_VALSET_REMOVE ? n - p->key_count : n + p->key_count;
    if (p->value == GOV_VALSET_REMOVE ? n < 1 : n > LDG_VALIDATORS_MAX) {
        DETAIL("the set would have %llu validators; it must have 1 to %d", (unsigned long long)n,
               LDG_VALIDATORS_MAX);
        return GOV_R_VALSET_SIZE;
    }
    if (p->value == GOV_VALSET_REMOVE) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < out->count; i++) {
            bool gone = false;
            for (uint32_t j = 0; j < p->key_count; j++)
                gone |= !memcmp(out->keys[i].b, p->keys[j].b, LDG_PUBKEY_LEN);
            if (!gone)
                out->keys[k++] = out->keys[i];
        }
        out->count = k;
    } else {
        memcpy(&out->keys[out->count], p->keys, p->key_count * sizeof *p->keys);
        out->count += p->key_count;
    }
    out->from = p->height;
    return LDG_R_OK;
}

static ldg_result check_valset(ldg_state *st, uint64_t height, uint64_t delay, const gov_params *p,
                               char *detail, size_t detail_len)
{
    ldg_valset *v = malloc(sizeof *v);
    LDG_ASSERT(v);
    ldg_result r = valset_next(st, height, height + delay, p, v, detail, detail_len);
    free(v);
    return r;
}

static ldg_result apply_valset(ldg_state *st, uint64_t height, const gov_params *p, char *detail,
                               size_t detail_len)
{
    ldg_valset *v = malloc(sizeof *v);
    LDG_ASSERT(v);
    ldg_result r = valset_next(st, height, height, p, v, detail, detail_len);
    if (r == LDG_R_OK)
        ldg_valset_put(st, v);
    free(v);
    return r;
}

ldg_result gov_kind_check(const ldg_registry *r, ldg_state *st, uint64_t height, uint64_t delay,
                          const gov_params *p, char *detail, size_t detail_len)
{
    bool found;
    switch (p->kind) {
    case GOV_KIND_MEMBER_ADMIT:
    case GOV_KIND_MEMBER_REMOVE:
        return check_member(st, p, detail, detail_len);
    case GOV_KIND_ROLE_GRANT:
    case GOV_KIND_ROLE_REVOKE: {
        ldg_participant part;
        if (ldg_participant_get(st, &p->account, &part, &found) != LDG_OK)
            return store_failed();
        return found ? LDG_R_OK : LDG_R_UNKNOWN_ACCOUNT;
    }
    case GOV_KIND_CODE_APPROVE:
    case GOV_KIND_CODE_REVOKE:
        if (!code_approved(st, p->hash, &found))
            return store_failed();
        if (p->kind == GOV_KIND_CODE_APPROVE && found)
            return GOV_R_CODE_APPROVED;
        if (p->kind == GOV_KIND_CODE_REVOKE && !found)
            return GOV_R_CODE_UNKNOWN;
        return LDG_R_OK;
    case GOV_KIND_PARAM_SET:
        return check_param(st, p, detail, detail_len);
    case GOV_KIND_ACTION:
        return check_action(r, p, detail, detail_len);
    case GOV_KIND_VALIDATOR_SET:
        return check_valset(st, height, delay, p, detail, detail_len);
    }
    return GOV_R_BAD_KIND;
}

/* ---- effects ---- */

static ldg_result apply_member(ldg_state *st, const ldg_env *env, const gov_params *p)
{
    gov_committee c;
    if (gov_committee_read(st, &c) != LDG_OK)
        return store_failed();
    uint8_t key[2 + LDG_ACCOUNT_LEN] = {'G', 'm'};
    memcpy(key + 2, p->account.b, LDG_ACCOUNT_LEN);
    if (p->kind == GOV_KIND_MEMBER_REMOVE) {
        int at = member_index(&c, &p->account);
        c.total_weight -= c.members[at].weight;
        memmove(&c.members[at], &c.members[at + 1],
                (c.count - (uint32_t)at - 1) * sizeof *c.members);
        c.count--;
        ldg_state_del(st, key, sizeof key);
    } else {
        gov_member m = {.account = p->account, .weight = p->value, .height = env->height};
        c.members[c.count++] = m;
        c.total_weight += m.weight;
    }
    /* Rewrites every member (the same values for those unchanged) and the summary. */
    gov_committee_write(st, &c);
    return LDG_R_OK;
}

static ldg_result apply_role(ldg_state *st, const gov_params *p)
{
    ldg_participant part;
    bool found;
    if (ldg_participant_get(st, &p->account, &part, &found) != LDG_OK)
        return store_failed();
    if (p->kind == GOV_KIND_ROLE_GRANT)
        part.roles |= (uint32_t)p->value;
    else
        part.roles &= ~(uint32_t)p->value;
    ldg_participant_put(st, &part);
    return LDG_R_OK;
}

static ldg_result apply_action(const ldg_registry *r, ldg_state *st, const ldg_env *env,
                               uint64_t proposal_id, const gov_params *p, char *detail,
                               size_t detail_len)
{
    const ldg_tx_type *t = ldg_registry_find(r, p->value);
    ldg_tx tx = {.version = LDG_TX_VERSION, .type = p->value, .expiry_ms = env->time_ms};
    snprintf(tx.chain_id, sizeof tx.chain_id, "%s", env->chain_id);
    if (ldg_decode(&tx.dec, p->payload, p->payload_len) != LDG_OK)
        return GOV_R_BAD_PARAMS;
    tx.payload = tx.dec.root;
    /* The action's own id: what a handler that names its transaction records. */
    uint8_t idb[8];
    for (int i = 0; i < 8; i++)
        idb[i] = (uint8_t)(proposal_id >> (56 - 8 * i));
    ldg_tagged_hash(&tx.id, "folio/gov-action", idb, sizeof idb);
    ldg_txctx c = {.reg = r,
                   .st = st,
                   .env = env,
                   .tx = &tx,
                   .sender_roles = LDG_ROLE_COMMITTEE,
                   .index = UINT32_MAX};
    gov_committee_account(&c.sender);
    ldg_result res = t->apply(&c, tx.payload);
    ldg_dec_free(&tx.dec);
    if (detail)
        snprintf(detail, detail_len, "%s", c.detail);
    return res;
}

void gov_code_approved_put(ldg_state *st, const uint8_t code_hash[32], uint64_t by)
{
    uint8_t key[34] = {'G', 'h'};
    memcpy(key + 2, code_hash, 32);
    ldg_state_put_u64(st, key, sizeof key, by);
}

ldg_result gov_kind_apply(const ldg_registry *r, ldg_state *st, const ldg_env *env,
                          uint64_t proposal_id, const gov_params *p, char *detail,
                          size_t detail_len)
{
    if (p->kind == GOV_KIND_VALIDATOR_SET)
        return apply_valset(st, env->height, p, detail, detail_len);
    ldg_result res = gov_kind_check(r, st, env->height, 0, p, detail, detail_len);
    if (res != LDG_R_OK)
        return res;
    uint8_t key[34] = {'G', 'h'};
    switch (p->kind) {
    case GOV_KIND_MEMBER_ADMIT:
    case GOV_KIND_MEMBER_REMOVE:
        return apply_member(st, env, p);
    case GOV_KIND_ROLE_GRANT:
    case GOV_KIND_ROLE_REVOKE:
        return apply_role(st, p);
    case GOV_KIND_CODE_APPROVE:
        gov_code_approved_put(st, p->hash, proposal_id);
        return LDG_R_OK;
    case GOV_KIND_CODE_REVOKE:
        memcpy(key + 2, p->hash, 32);
        ldg_state_del(st, key, sizeof key);
        return LDG_R_OK;
    case GOV_KIND_PARAM_SET: {
        uint8_t pk[2 + GOV_PARAM_NAME_LEN_MAX] = {'G', 'P'};
        size_t nl = strlen(p->name);
        memcpy(pk + 2, p->name, nl);
        ldg_state_put_u64(st, pk, 2 + nl, p->value);
        return LDG_R_OK;
    }
    case GOV_KIND_ACTION:
        return apply_action(r, st, env, proposal_id, p, detail, detail_len);
    case GOV_KIND_VALIDATOR_SET:
        break; /* applied above */
    }
    return GOV_R_BAD_KIND;
}
