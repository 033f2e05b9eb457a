/* Read methods of the governance committee (specs/governance.md §9, specs/rpc.md §3):
 * gov_committee, gov_proposal ID, gov_proposals STATUS [after limit]. */
#include "net_query_gov.h"

#include "gov_module.h"
#include "ldg_chain.h"
#include "net_reply.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *hex(const uint8_t *b, size_t n)
{
    if (n > GOV_PROPOSAL_SIZE_MAX)
        n = GOV_PROPOSAL_SIZE_MAX;
    char *s = malloc(2 * n + 1);
    LDG_ASSERT(s);
    ldg_hex_encode(s, b, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* The participant's name, or null. */
static json_t *name_of(ldg_state *st, const ldg_account *a)
{
    ldg_participant p;
    bool found = false;
    if (ldg_participant_get(st, a, &p, &found) != LDG_OK || !found)
        return json_null();
    return net_json_text(p.name, strlen(p.name));
}

static json_t *params_json(ldg_state *st, const ldg_registry *reg, const gov_params *p)
{
    json_t *j = json_object();
    char roles[256];
    switch (p->kind) {
    case GOV_KIND_MEMBER_ADMIT:
        json_object_set_new(j, "weight", json_integer((json_int_t)p->value));
        /* fall through */
    case GOV_KIND_MEMBER_REMOVE:
        json_object_set_new(j, "account", hex(p->account.b, LDG_ACCOUNT_LEN));
        json_object_set_new(j, "name", name_of(st, &p->account));
        break;
    case GOV_KIND_ROLE_GRANT:
    case GOV_KIND_ROLE_REVOKE:
        ldg_roles_format((uint32_t)p->value, roles, sizeof roles);
        json_object_set_new(j, "account", hex(p->account.b, LDG_ACCOUNT_LEN));
        json_object_set_new(j, "name", name_of(st, &p->account));
        json_object_set_new(j, "roles", json_string(roles));
        break;
    case GOV_KIND_CODE_APPROVE:
    case GOV_KIND_CODE_REVOKE:
        json_object_set_new(j, "code_hash", hex(p->hash, 32));
        break;
    case GOV_KIND_PARAM_SET:
        json_object_set_new(j, "name", json_string(p->name));
        json_object_set_new(j, "value", json_integer((json_int_t)p->value));
        break;
    case GOV_KIND_ACTION: {
        const ldg_tx_type *t = ldg_registry_find(reg, p->value);
        json_object_set_new(j, "type", json_integer((json_int_t)p->value));
        json_object_set_new(j, "type_name", t ? json_string(t->name) : json_null());
        json_object_set_new(j, "payload", hex(p->payload, p->payload_len));
        break;
    }
    case GOV_KIND_VALIDATOR_SET: {
        static const char *const ops[] = {"?", "add", "remove", "replace"};
        json_t *keys = json_array();
        for (uint32_t i = 0; i < p->key_count; i++)
            json_array_append_new(keys, hex(p->keys[i].b, LDG_PUBKEY_LEN));
        json_object_set_new(j, "op", json_string(ops[p->value <= 3 ? p->value : 0]));
        json_object_set_new(j, "keys", keys);
        json_object_set_new(j, "height", json_integer((json_int_t)p->height));
        break;
    }
    }
    return j;
}

typedef struct vote_scan {
    ldg_state *st;
    json_t *arr;
} vote_scan;

static bool on_vote(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    vote_scan *s = arg;
    if (kl != 10 + LDG_ACCOUNT_LEN || vl != 1)
        return true;
    static const char *const names[] = {"?", "yes", "no", "abstain"};
    ldg_account a;
    memcpy(a.b, k + 10, LDG_ACCOUNT_LEN);
    json_array_append_new(s->arr,
                          json_pack("{s:o,s:o,s:s}", "account", hex(a.b, LDG_ACCOUNT_LEN), "name",
                                    name_of(s->st, &a), "vote", names[v[0] <= 3 ? v[0] : 0]));
    return true;
}

/* A proposal as every reply shows it; with its votes when `votes`. NULL if corrupt. */
static json_t *proposal_json(ldg_state *st, const ldg_registry *reg, const gov_proposal *p,
                             bool votes)
{
    ldg_dec dec;
    gov_params params;
    if (gov_params_decode_stored(p, &dec, &params) != LDG_OK)
        return NULL;
    json_t *j = json_pack(
        "{s:I,s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "id", (json_int_t)p->id, "kind",
        gov_kind_name(p->kind), "status", gov_status_name(p->status), "proposer",
        hex(p->proposer.b, LDG_ACCOUNT_LEN), "proposer_name", name_of(st, &p->proposer), "height",
        (json_int_t)p->height, "expiry_height", (json_int_t)p->expiry_height, "delay",
        (json_int_t)p->delay, "activation_height", (json_int_t)p->activation_height, "yes",
        (json_int_t)p->yes, "no", (json_int_t)p->no, "abstain", (json_int_t)p->abstain);
    if (j) {
        json_object_set_new(j, "params", params_json(st, reg, &params));
        json_object_set_new(j, "result", json_integer((json_int_t)p->result));
        json_object_set_new(j, "result_name", json_string(ldg_result_name((ldg_result)p->result)));
        json_object_set_new(j, "detail", net_json_text(p->detail, strlen(p->detail)));
    }
    ldg_dec_free(&dec);
    if (j && votes) {
        vote_scan s = {st, json_array()};
        uint8_t prefix[10];
        gov_key_id(prefix, 'v', p->id);
        if (ldg_state_scan(st, prefix, sizeof prefix, LDG_COMMITTEE_MEMBERS_MAX * 4, on_vote, &s) !=
            LDG_OK) {
            json_decref(s.arr);
            json_decref(j);
            return NULL;
        }
        json_object_set_new(j, "votes", s.arr);
    }
    return j;
}

static char *m_proposal(net_node *n, ldg_state *st, const msgpack_object *args, uint32_t nargs,
                        int *status)
{
    uint64_t id;
    if (nargs != 1 || !ldg_obj_u64(&args[0], &id))
        return net_reply_error(status, LDG_ERR_INVALID, "gov_proposal takes a proposal id");
    gov_proposal *p = malloc(sizeof *p);
    LDG_ASSERT(p);
    bool found = false;
    ldg_err e = gov_proposal_get(st, id, p, &found);
    char *out;
    if (e != LDG_OK)
        out = net_reply_error(status, LDG_ERR_CORRUPT, "the proposal record is unreadable");
    else if (!found)
        out = net_reply_error(status, LDG_ERR_NOT_FOUND, "no governance proposal %llu",
                              (unsigned long long)id);
    else {
        json_t *j = proposal_json(st, n->reg, p, true);
        gov_committee c;
        if (j && gov_committee_read(st, &c) == LDG_OK)
            json_object_set_new(j, "total_weight", json_integer((json_int_t)c.total_weight));
        out = j ? net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status)
                : net_reply_error(status, LDG_ERR_CORRUPT, "the proposal record is unreadable");
    }
    free(p);
    return out;
}

typedef struct proposal_scan {
    net_node *n;
    ldg_state *st;
    json_t *arr;
    uint64_t status;
    net_page *page;
    gov_proposal *p;
    bool bad;
} proposal_scan;

static bool on_proposal(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    proposal_scan *s = arg;
    if (kl != 10 || !net_page_after(s->page, k + 2, 8))
        return true;
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | k[2 + i];
    bool found;
    if (gov_proposal_get(s->st, id, s->p, &found) != LDG_OK || !found) {
        s->bad = true;
        return false;
    }
    if (s->status && s->p->status != s->status)
        return true;
    if (!net_page_take(s->page, k + 2, 8))
        return false;
    json_t *j = proposal_json(s->st, s->n->reg, s->p, false);
    if (!j) {
        s->bad = true;
        return false;
    }
    json_array_append_new(s->arr, j);
    return true;
}

static char *m_proposals(net_node *n, ldg_state *st, const msgpack_object *args, uint32_t nargs,
                         int *status)
{
    char want[16], after[LDG_QUERY_CURSOR_MAX + 1];
    net_page page;
    if (nargs < 1 || !ldg_obj_str(&args[0], want, sizeof want - 1, true) ||
        (want[0] && !gov_status_parse(want)) || !net_page_args(&page, after, args, nargs, 1) ||
        (page.has_after && !net_page_u64_key(&page, after)))
        return net_reply_error(status, LDG_ERR_INVALID,
                               "gov_proposals takes a status (open, passed, activated, failed, "
                               "expired, or \"\" for all), then a cursor (an id) and a limit "
                               "(1..%d)",
                               LDG_QUERY_PAGE_MAX);
    proposal_scan s = {n,
                       st,
                       json_array(),
                       want[0] ? gov_status_parse(want) : 0,
                       &page,
                       malloc(sizeof(gov_proposal)),
                       false};
    LDG_ASSERT(s.p);
    const uint8_t prefix[2] = {'G', 'p'};
    ldg_err e = ldg_state_scan(st, prefix, sizeof prefix, SIZE_MAX, on_proposal, &s);
    free(s.p);
    if (e != LDG_OK || s.bad) {
        json_decref(s.arr);
        return net_reply_error(status, LDG_ERR_CORRUPT, "a proposal record is unreadable");
    }
    json_t *j = json_pack("{s:o}", "proposals", s.arr);
    char next[21];
    net_page_u64_text(&page, next);
    net_page_finish(&page, j, next);
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

/* Passed param-set proposals waiting for their activation ('G' 'a' be64(height) be64(id),
 * in activation order): each one appended to the "pending" array of its parameter. */
typedef struct pending_scan {
    ldg_state *st;
    json_t *params; /* in gov_param_defs order */
    gov_proposal *p;
    bool bad;
} pending_scan;

static bool on_pending(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    pending_scan *s = arg;
    if (kl != 18)
        return true;
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | k[10 + i];
    bool found;
    gov_params gp;
    ldg_dec dec;
    if (gov_proposal_get(s->st, id, s->p, &found) != LDG_OK || !found) {
        s->bad = true;
        return false;
    }
    if (s->p->kind != GOV_KIND_PARAM_SET || s->p->status != GOV_PASSED)
        return true;
    if (gov_params_decode_stored(s->p, &dec, &gp) != LDG_OK) {
        s->bad = true;
        return false;
    }
    ldg_dec_free(&dec);
    for (size_t i = 0; i < gov_param_def_count; i++)
        if (!strcmp(gov_param_defs[i].name, gp.name))
            json_array_append_new(
                json_object_get(json_array_get(s->params, i), "pending"),
                json_pack("{s:I,s:I,s:I}", "value", (json_int_t)gp.value, "activation_height",
                          (json_int_t)s->p->activation_height, "proposal", (json_int_t)id));
    return true;
}

static char *m_committee(ldg_state *st, uint32_t nargs, int *status)
{
    gov_committee c;
    if (nargs != 0)
        return net_reply_error(status, LDG_ERR_INVALID, "gov_committee takes no argument");
    if (gov_committee_read(st, &c) != LDG_OK)
        return net_reply_error(status, LDG_ERR_CORRUPT, "the committee is unreadable");
    json_t *members = json_array(), *params = json_array();
    for (uint32_t i = 0; i < c.count; i++)
        json_array_append_new(members, json_pack("{s:o,s:o,s:I,s:I}", "account",
                                                 hex(c.members[i].account.b, LDG_ACCOUNT_LEN),
                                                 "name", name_of(st, &c.members[i].account),
                                                 "weight", (json_int_t)c.members[i].weight,
                                                 "height", (json_int_t)c.members[i].height));
    for (size_t i = 0; i < gov_param_def_count; i++) {
        uint64_t v = 0;
        if (gov_param_get(st, gov_param_defs[i].name, &v) != LDG_OK) {
            json_decref(members);
            json_decref(params);
            return net_reply_error(status, LDG_ERR_CORRUPT, "a parameter is unreadable");
        }
        json_array_append_new(params, json_pack("{s:s,s:I,s:I,s:I,s:I,s:s,s:[]}", "name",
                                                gov_param_defs[i].name, "value", (json_int_t)v,
                                                "default", (json_int_t)gov_param_defs[i].def, "min",
                                                (json_int_t)gov_param_defs[i].min, "max",
                                                (json_int_t)gov_param_defs[i].max, "text",
                                                gov_param_defs[i].text, "pending"));
    }
    /* Bounded: a proposal waits in the index once, and at most GOV_OPEN_PROPOSALS_MAX are
     * open at once; GOV_PENDING_SHOWN_MAX rows are read at most. */
    pending_scan ps = {st, params, malloc(sizeof(gov_proposal)), false};
    LDG_ASSERT(ps.p);
    const uint8_t pa[2] = {'G', 'a'};
    ldg_err pe = ldg_state_scan(st, pa, sizeof pa, GOV_PENDING_SHOWN_MAX, on_pending, &ps);
    free(ps.p);
    if (pe != LDG_OK || ps.bad) {
        json_decref(members);
        json_decref(params);
        return net_reply_error(status, LDG_ERR_CORRUPT, "a pending proposal is unreadable");
    }
    ldg_account ca;
    gov_committee_account(&ca);
    json_t *j =
        json_pack("{s:o,s:I,s:I,s:b,s:o,s:o}", "members", members, "count", (json_int_t)c.count,
                  "total_weight", (json_int_t)c.total_weight, "from_genesis_registrars", c.derived,
                  "committee_account", hex(ca.b, LDG_ACCOUNT_LEN), "params", params);
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

/* gov_code HASH: whether a code hash is approved, and by which proposal. */
static char *m_code(ldg_state *st, const msgpack_object *args, uint32_t nargs, int *status)
{
    uint8_t key[34] = {'G', 'h'};
    if (nargs != 1 || !ldg_obj_bin(&args[0], key + 2, 32))
        return net_reply_error(status, LDG_ERR_INVALID, "gov_code takes a code hash (32 bytes)");
    uint64_t by = 0;
    if (ldg_state_get_u64(st, key, sizeof key, &by) != LDG_OK)
        return net_reply_error(status, LDG_ERR_CORRUPT, "the approval is unreadable");
    json_t *j = json_pack("{s:o,s:b,s:o}", "code_hash", hex(key + 2, 32), "approved", by != 0,
                          "proposal", by ? json_integer((json_int_t)by) : json_null());
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

char *net_query_gov(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                    int *status)
{
    *status = 0;
    ldg_state *st = ldg_chain_reader(n->chain);
    char *out;
    if (!strcmp(method, "gov_committee"))
        out = m_committee(st, nargs, status);
    else if (!strcmp(method, "gov_proposal"))
        out = m_proposal(n, st, args, nargs, status);
    else if (!strcmp(method, "gov_proposals"))
        out = m_proposals(n, st, args, nargs, status);
    else if (!strcmp(method, "gov_code"))
        out = m_code(st, args, nargs, status);
    else
        out = net_reply_error(status, LDG_ERR_PROTOCOL, "unknown method '%s'", method);
    ldg_state_free(st);
    return out;
}
