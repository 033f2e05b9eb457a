/* Read methods of the assets module (net_query_assets.h). */
#include "net_query_assets.h"
#include "ast_action.h"
#include "ast_bond.h"
#include "ast_rules.h"

#include "net_reply.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const methods[] = {"bond_schedule", "investor", "rules", "transfer_check",
                                      "actions",       "action",   NULL};

bool net_query_assets_handles(const char *method)
{
    for (size_t i = 0; methods[i]; i++)
        if (!strcmp(methods[i], method))
            return true;
    return false;
}

/* Never NULL, whatever the message echoes (net_reply.h). */
#define error_json net_reply_error

static char *dump(json_t *j, int *status)
{
    return net_reply_dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER, status);
}

static json_t *date_json(int64_t days)
{
    char s[AST_DATE_STR_SIZE];
    ast_date d = {(int32_t)days};
    if (!ast_date_is_valid(d))
        return json_string("?");
    ast_date_format(s, sizeof s, d);
    return json_string(s);
}

static json_t *ms_date_json(uint64_t ms)
{
    ast_date d;
    if (ast_date_from_block_time(&d, ms) != AST_DATE_OK)
        return json_string("?");
    return date_json(d.days);
}

static json_t *account_json(ldg_state *st, const ldg_account *a)
{
    char hex[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(hex, a);
    ldg_participant p;
    bool found = false;
    if (ldg_participant_get(st, a, &p, &found) != LDG_OK || !found)
        p.name[0] = '\0';
    return json_pack("{s:s,s:s}", "account", hex, "name", p.name);
}

/* Name or 40-hex -> account. */
static bool resolve(ldg_state *st, const msgpack_object *o, ldg_account *out)
{
    char who[LDG_NAME_LEN_MAX + 1];
    if (!ldg_obj_str(o, who, LDG_NAME_LEN_MAX, false))
        return false;
    ldg_participant p;
    bool found = false;
    if (ldg_participant_by_name(st, who, &p, &found) == LDG_OK && found) {
        *out = p.account;
        return true;
    }
    return strlen(who) == 2 * LDG_ACCOUNT_LEN && ldg_account_parse(out, who) == 0;
}

static const char *daycount_name(ast_daycount d)
{
    return d == AST_DAYCOUNT_ACT_365F  ? "ACT/365F"
           : d == AST_DAYCOUNT_ACT_360 ? "ACT/360"
           : d == AST_DAYCOUNT_30_360  ? "30/360"
                                       : "?";
}

static const char *freq_name(ast_coupon_freq f)
{
    return f == AST_FREQ_ANNUAL ? "annual" : f == AST_FREQ_SEMIANNUAL ? "semiannual" : "quarterly";
}

static char *m_bond(ldg_state *st, const char *id, int *status)
{
    ast_bond_terms t;
    char cur[4];
    bool found;
    if (ast_bond_terms_get(st, id, &t, cur, &found) != LDG_OK)
        return error_json(status, LDG_ERR_IO, "cannot read the terms of %s", id);
    if (!found)
        return error_json(status, LDG_ERR_NOT_FOUND, "%s is not a bond", id);
    ast_coupon_period *p = calloc(AST_BOND_PERIODS_MAX, sizeof *p);
    LDG_ASSERT(p);
    size_t n = 0;
    if (ast_bond_schedule(p, AST_BOND_PERIODS_MAX, &n, &t) != AST_BOND_OK)
        n = 0;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:I,s:o,s:o,s:I,s:I,s:o,s:b}", "period", (json_int_t)i + 1, "start",
                           date_json(p[i].start.days), "pay_date", date_json(p[i].end.days),
                           "days_num", (json_int_t)p[i].fraction.num, "days_den",
                           (json_int_t)p[i].fraction.den, "coupon_per_unit",
                           net_json_money((int64_t)p[i].amount, cur), "redemption", i + 1 == n));
    free(p);
    return dump(json_pack("{s:s,s:s,s:o,s:I,s:s,s:s,s:o,s:o,s:o,s:o}", "id", id, "currency", cur,
                          "face_value", net_json_money((int64_t)t.face_value, cur), "coupon_bps",
                          (json_int_t)t.coupon_bps, "frequency", freq_name(t.freq), "day_count",
                          daycount_name(t.daycount), "issue_date", date_json(t.issue.days),
                          "maturity_date", date_json(t.maturity.days), "redemption_per_unit",
                          net_json_money((int64_t)ast_bond_redemption(&t), cur), "schedule", arr),
                status);
}

static char *m_investor(ldg_state *st, const ldg_account *a, int *status)
{
    ast_investor inv;
    bool found;
    if (ast_investor_get(st, a, &inv, &found) != LDG_OK)
        return error_json(status, LDG_ERR_IO, "cannot read the investor profile");
    if (!found)
        return error_json(status, LDG_ERR_NOT_FOUND,
                          "no investor profile for this account (suitability is not checked "
                          "for it)");
    char cls[4];
    snprintf(cls, sizeof cls, "C%u", (unsigned)inv.risk_class);
    json_t *j = account_json(st, a);
    json_object_set_new(
        j, "category",
        json_string(inv.category == AST_INVESTOR_PROFESSIONAL ? "professional" : "ordinary"));
    json_object_set_new(j, "risk_class", json_string(cls));
    json_object_set_new(j, "kyc_expiry", date_json(inv.kyc_expiry_days));
    json_object_set_new(j, "registered_height", json_integer((json_int_t)inv.height));
    return dump(j, status);
}

/* The rules (~20 KiB with a full allow list) live on the heap, one copy per call: RPC
 * workers run this concurrently, so a function-static would mix their replies. */
static char *m_rules(ldg_state *st, const char *id, int *status)
{
    ast_rules *r = malloc(sizeof *r);
    LDG_ASSERT(r);
    bool found;
    if (ast_rules_get(st, id, r, &found) != LDG_OK) {
        free(r);
        return error_json(status, LDG_ERR_IO, "cannot read the rules of %s", id);
    }
    json_t *allow = json_array();
    for (uint32_t i = 0; i < r->allow_count; i++)
        json_array_append_new(allow, account_json(st, &r->allow[i]));
    json_t *j =
        json_pack("{s:s,s:I,s:o,s:b,s:o,s:b}", "id", id, "max_holders", (json_int_t)r->max_holders,
                  "lockup_until", r->has_lockup ? date_json(r->lockup_until_days) : json_null(),
                  "transferable", r->transferable, "allow_list", allow, "requires_disclosure",
                  r->requires_disclosure);
    free(r);
    return dump(j, status);
}

static uint64_t node_time(net_node *n)
{
    ldg_tip tip = ldg_chain_tip(n->chain);
    uint64_t now = net_clock_now_ms(&n->clock) + atomic_load(&n->time_offset_ms);
    return now > tip.time_ms ? now : tip.time_ms;
}

/* [isin, quantity, from, to]: the answer the next block would give. */
static char *m_check(net_node *n, ldg_state *st, const msgpack_object *args, uint32_t nargs,
                     int *status)
{
    char id[AST_ID_LEN + 1];
    uint64_t qty;
    ldg_account from, to;
    if (nargs != 4 || !ldg_obj_str(&args[0], id, AST_ID_LEN, false) || !ldg_obj_u64(&args[1], &qty))
        return error_json(status, LDG_ERR_INVALID,
                          "transfer_check takes [isin, quantity, from, to]");
    if (!resolve(st, &args[2], &from) || !resolve(st, &args[3], &to))
        return error_json(status, LDG_ERR_NOT_FOUND, "unknown account");
    char detail[LDG_TEXT_LEN_MAX + 1] = "";
    uint64_t t = node_time(n);
    ldg_result r = ast_transfer_check(st, t, id, &from, &to, qty, detail, sizeof detail);
    if (r == LDG_R_STORE_FAILED)
        return error_json(status, LDG_ERR_IO, "cannot read the state");
    return dump(json_pack("{s:b,s:i,s:s,s:s,s:s,s:o}", "allowed", r == LDG_R_OK, "code", (int)r,
                          "name", ldg_result_name(r), "message", ldg_result_text(r), "detail",
                          detail, "as_of", ms_date_json(t)),
                status);
}

static json_t *action_json(ldg_state *st, const ast_action *a)
{
    json_t *j = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)a->id, "kind",
                          ast_action_kind_name(a->kind), "isin", a->isin, "state",
                          ast_action_state_name(a->state));
    if (a->kind != AST_ACTION_SPLIT) {
        /* Every figure paid is money of the action's currency (specs/money.md §4). */
        json_object_set_new(j, "currency", json_string(a->currency));
        json_object_set_new(j, "per_unit", net_json_money((int64_t)a->per_unit, a->currency));
    }
    if (a->kind == AST_ACTION_SPLIT) {
        char ratio[48];
        snprintf(ratio, sizeof ratio, "%llu:%llu", (unsigned long long)a->ratio_new,
                 (unsigned long long)a->ratio_old);
        json_object_set_new(j, "ratio", json_string(ratio));
        json_object_set_new(j, "issuer_shares", json_integer((json_int_t)a->total));
    } else {
        json_object_set_new(j, "record_date", ms_date_json(a->record_end_ms));
        json_object_set_new(j, "pay_date", ms_date_json(a->pay_ms));
        json_object_set_new(j, "record_units", json_integer((json_int_t)a->snap_units));
        json_object_set_new(j, "record_holders", json_integer((json_int_t)a->snap_holders));
        json_object_set_new(j, "total", net_json_money((int64_t)a->total, a->currency));
        json_object_set_new(j, "paid", net_json_money((int64_t)a->paid, a->currency));
        json_object_set_new(j, "paid_holders", json_integer((json_int_t)a->paid_holders));
        json_object_set_new(j, "unpaid", net_json_money((int64_t)a->unpaid, a->currency));
    }
    if (a->kind == AST_ACTION_COUPON || a->kind == AST_ACTION_REDEMPTION)
        /* counted from 1, as the tables count them (rpc.md §2.2) */
        json_object_set_new(j, "period", json_integer((json_int_t)a->period + 1));
    json_object_set_new(j, "created_height", json_integer((json_int_t)a->created_height));
    (void)st;
    return j;
}

typedef struct act_scan {
    json_t *arr;
    const char *isin;
    net_page *page;
} act_scan;

static bool collect_action(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    act_scan *s = arg;
    ast_action a = {0};
    if (kl != 10 || !net_page_after(s->page, k + 2, 8) || ast_action_decode(v, vl, &a) != LDG_OK)
        return true;
    for (int i = 0; i < 8; i++)
        a.id = a.id << 8 | k[2 + i];
    if (*s->isin && strcmp(s->isin, a.isin))
        return true;
    if (!net_page_take(s->page, k + 2, 8))
        return false;
    json_array_append_new(s->arr, action_json(NULL, &a));
    return true;
}

static char *m_actions(ldg_state *st, const msgpack_object *args, uint32_t nargs, int *status)
{
    /* actions [ISIN [AFTER [LIMIT]]] (ISIN "" for all); the cursor is a decimal action id. */
    char isin[AST_ID_LEN + 1] = "", after[LDG_QUERY_CURSOR_MAX + 1], next[21];
    net_page page;
    uint32_t fixed = nargs > 0 ? 1 : 0;
    if ((fixed && !ldg_obj_str(&args[0], isin, AST_ID_LEN, true)) ||
        !net_page_args(&page, after, args, nargs, fixed) ||
        (page.has_after && !net_page_u64_key(&page, after)))
        return error_json(status, LDG_ERR_INVALID,
                          "actions takes an optional ISIN (\"\" for all), cursor (an action id) "
                          "and limit (1..%d)",
                          LDG_QUERY_PAGE_MAX);
    act_scan s = {json_array(), isin, &page};
    uint8_t prefix[2] = {AST_KEY_NS, 'X'};
    if (ldg_state_scan(st, prefix, 2, SIZE_MAX, collect_action, &s) != LDG_OK) {
        json_decref(s.arr);
        return error_json(status, LDG_ERR_IO, "cannot read actions");
    }
    json_t *j = json_pack("{s:o}", "actions", s.arr);
    net_page_u64_text(&page, next);
    net_page_finish(&page, j, next);
    return dump(j, status);
}

char *net_query_assets(net_node *n, const char *method, const msgpack_object *args, uint32_t nargs,
                       int *status)
{
    *status = 0;
    ldg_state *st = ldg_chain_reader(n->chain);
    char *out;
    char id[AST_ID_LEN + 1];
    ldg_account a;
    uint64_t num;
    if (!strcmp(method, "transfer_check"))
        out = m_check(n, st, args, nargs, status);
    else if (!strcmp(method, "actions"))
        out = m_actions(st, args, nargs, status);
    else if (!strcmp(method, "action")) {
        ast_action act;
        bool found = false;
        if (nargs != 1 || !ldg_obj_u64(&args[0], &num))
            out = error_json(status, LDG_ERR_INVALID, "action takes an id");
        else if (ast_action_get(st, num, &act, &found) != LDG_OK || !found)
            out = error_json(status, LDG_ERR_NOT_FOUND, "no action %llu", (unsigned long long)num);
        else
            out = dump(action_json(st, &act), status);
    } else if (!strcmp(method, "investor")) {
        if (nargs != 1 || !resolve(st, &args[0], &a))
            out = error_json(status, LDG_ERR_NOT_FOUND, "investor takes a participant or account");
        else
            out = m_investor(st, &a, status);
    } else if (nargs != 1 || !ldg_obj_str(&args[0], id, AST_ID_LEN, false)) {
        out = error_json(status, LDG_ERR_INVALID, "%s takes an ISIN", method);
    } else if (!strcmp(method, "bond_schedule")) {
        out = m_bond(st, id, status);
    } else {
        out = m_rules(st, id, status);
    }
    ldg_state_free(st);
    return out;
}
