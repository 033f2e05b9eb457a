/* Read methods for settlement (specs/rpc.md): trades, cycles, the instruction queue. */
#include "net_query_settlement.h"
#include "ast_money.h"
#include "net_reply.h"
#include "stl_ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *who(ldg_state *st, const ldg_account *a)
{
    ldg_participant p;
    bool found = false;
    char hex[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(hex, a);
    if (ldg_participant_get(st, a, &p, &found) != LDG_OK || !found)
        return json_pack("{s:s,s:s}", "account", hex, "name", "");
    return json_pack("{s:s,s:s}", "account", hex, "name", p.name);
}

static const char *trade_status(ldg_state *st, const stl_trade *t)
{
    if (t->status == STL_TRADE_SUBMITTED)
        return "submitted";
    if (t->status == STL_TRADE_CANCELLED)
        return "cancelled";
    if (t->status == STL_TRADE_CLOSED)
        return "closed";
    uint8_t k1[9], k2[9];
    stl_key_id(k1, 'o', 2 * t->id);
    stl_key_id(k2, 'o', 2 * t->id + 1);
    const uint8_t *v;
    size_t vl;
    bool f1 = false, f2 = false;
    if (ldg_state_get(st, k1, 9, &v, &vl, &f1) != LDG_OK ||
        ldg_state_get(st, k2, 9, &v, &vl, &f2) != LDG_OK)
        return "unknown";
    return !f1 && !f2 ? "settled" : f1 && f2 ? "novated" : "partly-settled";
}

static json_t *money(uint64_t minor, const char *currency)
{
    return net_json_money((int64_t)minor, currency);
}

json_t *net_trade_json(ldg_state *st, const stl_trade *t)
{
    json_t *j = json_pack(
        "{s:I,s:s,s:o,s:o,s:o,s:o,s:s,s:I,s:o,s:s,s:o,s:s,s:I,s:I}", "id", (json_int_t)t->id,
        "status", trade_status(st, t), "submitter", who(st, &t->submitter), "counterparty",
        who(st, &t->counterparty), "buyer", who(st, &t->buyer), "seller", who(st, &t->seller),
        "isin", t->isin, "quantity", (json_int_t)t->quantity, "price", money(t->price, t->currency),
        "currency", t->currency, "value", money(t->value, t->currency), "ref", t->ref,
        "submit_height", (json_int_t)t->submit_height, "affirm_height",
        (json_int_t)t->affirm_height);
    stl_closeout z;
    bool found = false;
    if (j && t->status == STL_TRADE_CLOSED && stl_closeout_get(st, t->id, &z, &found) == LDG_OK &&
        found)
        json_object_set_new(j, "closeout",
                            json_pack("{s:s,s:o,s:o,s:o,s:o,s:I,s:I}", "failing",
                                      z.failing == STL_SIDE_SELL ? "seller" : "buyer",
                                      "reference_price", money(z.reference_price, t->currency),
                                      "compensation", money(z.compensation, t->currency), "payer",
                                      who(st, &z.payer), "payee", who(st, &z.payee), "after_cycle",
                                      (json_int_t)z.cycle, "height", (json_int_t)z.height));
    return j;
}

typedef struct trade_scan {
    ldg_state *st;
    json_t *arr;
    const char *status;
    net_page *page;
} trade_scan;

static bool collect_trade(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    trade_scan *s = arg;
    stl_trade t;
    if (kl != 9 || !net_page_after(s->page, k + 1, 8) || stl_trade_decode(v, vl, &t) != LDG_OK)
        return true;
    t.id = 0;
    for (int i = 0; i < 8; i++)
        t.id = t.id << 8 | k[1 + i];
    json_t *j = net_trade_json(s->st, &t);
    if (s->status && *s->status &&
        strcmp(json_string_value(json_object_get(j, "status")), s->status) != 0) {
        json_decref(j);
        return true;
    }
    if (!net_page_take(s->page, k + 1, 8)) {
        json_decref(j);
        return false;
    }
    json_array_append_new(s->arr, j);
    return true;
}

/* Sets the reply's "next" (a decimal id) when the page is full and more rows follow. */
static json_t *paged(json_t *j, const net_page *page)
{
    char next[21];
    net_page_u64_text(page, next);
    net_page_finish(page, j, next);
    return j;
}

json_t *net_query_trades(ldg_state *st, const char *status, net_page *page, ldg_err *err)
{
    trade_scan s = {st, json_array(), status, page};
    uint8_t prefix = 't';
    *err = ldg_state_scan(st, &prefix, 1, SIZE_MAX, collect_trade, &s);
    return paged(json_pack("{s:o}", "trades", s.arr), page);
}

json_t *net_query_trade(ldg_state *st, uint64_t id, ldg_err *err)
{
    uint8_t key[9];
    stl_key_id(key, 't', id);
    const uint8_t *v;
    size_t vl;
    bool found;
    stl_trade t;
    *err = ldg_state_get(st, key, sizeof key, &v, &vl, &found);
    if (*err != LDG_OK)
        return NULL;
    if (!found || stl_trade_decode(v, vl, &t) != LDG_OK) {
        *err = LDG_ERR_NOT_FOUND;
        return NULL;
    }
    t.id = id;
    return net_trade_json(st, &t);
}

/* Netting efficiency 1 - net/gross in basis points, as specs/settlement.md computes it. */
static json_int_t efficiency_bp(uint64_t gross, uint64_t net)
{
    if (!gross)
        return 0;
    unsigned __int128 x = (unsigned __int128)net * 10000;
    uint64_t up = (uint64_t)((x + gross - 1) / gross);
    return up >= 10000 ? 0 : (json_int_t)(10000 - up);
}

static json_t *currencies_json(const msgpack_object *o)
{
    json_t *arr = json_array();
    const msgpack_object *rows, *r;
    uint32_t nr;
    if (!ldg_obj_array_any(o, STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr))
        return arr;
    for (uint32_t i = 0; i < nr; i++) {
        char ccy[13];
        uint64_t g, n, s, c;
        if (!ldg_obj_array(&rows[i], 5, &r) || !ldg_obj_str(&r[0], ccy, 12, false) ||
            !ldg_obj_u64(&r[1], &g) || !ldg_obj_u64(&r[2], &n) || !ldg_obj_u64(&r[3], &s) ||
            !ldg_obj_u64(&r[4], &c))
            continue;
        json_array_append_new(arr, json_pack("{s:s,s:o,s:o,s:I,s:o,s:o}", "currency", ccy,
                                             "gross_value", money(g, ccy), "net_value",
                                             money(n, ccy), "netting_efficiency_bp",
                                             efficiency_bp(g, n), "settled_value", money(s, ccy),
                                             "carried_value", money(c, ccy)));
    }
    return arr;
}

static void cycle_details(ldg_state *st, json_t *j, const msgpack_object *f)
{
    json_t *pos = json_array(), *fails = json_array(), *parties = json_array();
    const msgpack_object *rows, *r;
    uint32_t nr;
    if (ldg_obj_array_any(&f[8], STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr))
        for (uint32_t i = 0; i < nr; i++) {
            ldg_account a;
            char asset[13];
            int64_t net;
            if (!ldg_obj_array(&rows[i], 3, &r) || !ldg_obj_bin(&r[0], a.b, LDG_ACCOUNT_LEN) ||
                !ldg_obj_str(&r[1], asset, 12, false) || !ldg_obj_i64(&r[2], &net))
                continue;
            /* A currency's net is money; a security's is a quantity. */
            json_t *nv = strlen(asset) == 3 ? net_json_money(net, asset) : json_integer(net);
            json_array_append_new(pos, json_pack("{s:o,s:s,s:o}", "participant", who(st, &a),
                                                 "asset", asset, "net", nv));
        }
    if (ldg_obj_array_any(&f[9], STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr))
        for (uint32_t i = 0; i < nr; i++) {
            uint64_t oid, tid, why, age, qty, cash;
            ldg_account from, to;
            char isin[13], ccy[13];
            if (!ldg_obj_array(&rows[i], 10, &r) || !ldg_obj_u64(&r[0], &oid) ||
                !ldg_obj_u64(&r[1], &tid) || !ldg_obj_u64(&r[2], &why) ||
                !ldg_obj_u64(&r[3], &age) || !ldg_obj_bin(&r[4], from.b, LDG_ACCOUNT_LEN) ||
                !ldg_obj_bin(&r[5], to.b, LDG_ACCOUNT_LEN) ||
                !ldg_obj_str(&r[6], isin, 12, false) || !ldg_obj_u64(&r[7], &qty) ||
                !ldg_obj_str(&r[8], ccy, 12, false) || !ldg_obj_u64(&r[9], &cash))
                continue;
            json_array_append_new(
                fails,
                json_pack("{s:I,s:I,s:s,s:I,s:I,s:o,s:o,s:s,s:I,s:o}", "obligation",
                          (json_int_t)oid, "trade", (json_int_t)tid, "reason",
                          stl_fail_reason_name(why), "reason_code", (json_int_t)why, "age_cycles",
                          (json_int_t)age, "deliverer", who(st, &from), "receiver", who(st, &to),
                          "isin", isin, "quantity", (json_int_t)qty, "cash", money(cash, ccy)));
        }
    if (ldg_obj_array_any(&f[10], STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr))
        for (uint32_t i = 0; i < nr; i++) {
            ldg_account a;
            char ccy[13];
            uint64_t g, n;
            if (!ldg_obj_array(&rows[i], 4, &r) || !ldg_obj_bin(&r[0], a.b, LDG_ACCOUNT_LEN) ||
                !ldg_obj_str(&r[1], ccy, 12, false) || !ldg_obj_u64(&r[2], &g) ||
                !ldg_obj_u64(&r[3], &n))
                continue;
            json_array_append_new(parties, json_pack("{s:o,s:s,s:o,s:o}", "participant",
                                                     who(st, &a), "currency", ccy, "gross",
                                                     money(g, ccy), "net", money(n, ccy)));
        }
    json_object_set_new(j, "positions", pos);
    json_object_set_new(j, "failures", fails);
    json_object_set_new(j, "participants", parties);
}

/* A stored report (stl_cycle.c encode_report) as JSON: every money figure per currency. */
static json_t *cycle_json(ldg_state *st, uint64_t n, const uint8_t *v, size_t vl, bool full)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return NULL;
    const msgpack_object *f;
    uint64_t x[5], qs = 0, qw = 0;
    char method[32];
    ldg_account ccp;
    bool ok = ldg_obj_array(d.root, 13, &f);
    for (int i = 0; ok && i < 5; i++)
        ok = ldg_obj_u64(&f[i], &x[i]);
    ok = ok && ldg_obj_str(&f[5], method, 31, false) &&
         ldg_obj_bin(&f[6], ccp.b, LDG_ACCOUNT_LEN) && ldg_obj_u64(&f[11], &qs) &&
         ldg_obj_u64(&f[12], &qw);
    if (!ok) {
        ldg_dec_free(&d);
        return NULL;
    }
    json_t *j = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:s,s:o,s:o,s:I,s:I}", "cycle", (json_int_t)n, "height",
        (json_int_t)x[0], "obligations", (json_int_t)x[2], "settled_count", (json_int_t)x[3],
        "carried_count", (json_int_t)x[4], "lsm_method", method, "ccp", who(st, &ccp), "currencies",
        currencies_json(&f[7]), "queue_settled", (json_int_t)qs, "queue_waiting", (json_int_t)qw);
    if (j)
        net_json_time(j, "time", x[1]);
    if (j && full)
        cycle_details(st, j, f);
    ldg_dec_free(&d);
    return j;
}

typedef struct cycle_scan {
    ldg_state *st;
    json_t *arr;
    net_page *page;
} cycle_scan;

static bool collect_cycle(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    cycle_scan *s = arg;
    uint64_t n = 0;
    if (kl != 9 || !net_page_after(s->page, k + 1, 8))
        return true;
    for (int i = 0; i < 8; i++)
        n = n << 8 | k[1 + i];
    json_t *j = cycle_json(s->st, n, v, vl, false);
    if (!j)
        return true;
    if (!net_page_take(s->page, k + 1, 8)) {
        json_decref(j);
        return false;
    }
    json_array_append_new(s->arr, j);
    return true;
}

json_t *net_query_cycles(ldg_state *st, net_page *page, ldg_err *err)
{
    cycle_scan s = {st, json_array(), page};
    uint8_t prefix = 'c';
    *err = ldg_state_scan(st, &prefix, 1, SIZE_MAX, collect_cycle, &s);
    return paged(json_pack("{s:o}", "cycles", s.arr), page);
}

json_t *net_query_cycle(ldg_state *st, uint64_t n, ldg_err *err)
{
    uint8_t key[9];
    stl_key_id(key, 'c', n);
    const uint8_t *v;
    size_t vl;
    bool found;
    *err = ldg_state_get(st, key, sizeof key, &v, &vl, &found);
    if (*err != LDG_OK)
        return NULL;
    json_t *j = found ? cycle_json(st, n, v, vl, true) : NULL;
    if (!j) {
        *err = LDG_ERR_NOT_FOUND;
        return NULL;
    }
    /* The chain's setting now, for the failures listed: when they may be closed. */
    uint64_t k;
    *err = stl_fail_close_cycles(st, &k);
    if (*err != LDG_OK) {
        json_decref(j);
        return NULL;
    }
    json_object_set_new(j, "fail_close_cycles", json_integer((json_int_t)k));
    return j;
}

typedef struct queue_scan {
    ldg_state *st;
    json_t *arr;
    net_page *page;
} queue_scan;

static bool collect_queue(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    queue_scan *s = arg;
    ldg_dec d;
    const msgpack_object *f;
    ldg_account from, to;
    char isin[13], ccy[13];
    uint64_t qty, cash, age, id = 0;
    if (kl != 9 || !net_page_after(s->page, k + 1, 8) || ldg_decode(&d, v, vl) != LDG_OK)
        return true;
    for (int i = 0; i < 8; i++)
        id = id << 8 | k[1 + i];
    bool row = ldg_obj_array(d.root, 7, &f);
    if (row && !net_page_take(s->page, k + 1, 8)) {
        ldg_dec_free(&d);
        return false;
    }
    if (row && ldg_obj_bin(&f[0], from.b, LDG_ACCOUNT_LEN) &&
        ldg_obj_bin(&f[1], to.b, LDG_ACCOUNT_LEN) && ldg_obj_str(&f[2], isin, 12, false) &&
        ldg_obj_u64(&f[3], &qty) && ldg_obj_str(&f[4], ccy, 12, false) &&
        ldg_obj_u64(&f[5], &cash) && ldg_obj_u64(&f[6], &age))
        json_array_append_new(
            s->arr, json_pack("{s:I,s:o,s:o,s:s,s:I,s:s,s:o,s:I}", "instruction", (json_int_t)id,
                              "deliverer", who(s->st, &from), "receiver", who(s->st, &to), "isin",
                              isin, "quantity", (json_int_t)qty, "currency", ccy, "amount",
                              money(cash, ccy), "age_cycles", (json_int_t)age));
    ldg_dec_free(&d);
    return true;
}

json_t *net_query_queue(ldg_state *st, net_page *page, ldg_err *err)
{
    queue_scan s = {st, json_array(), page};
    uint8_t prefix = 'q';
    *err = ldg_state_scan(st, &prefix, 1, SIZE_MAX, collect_queue, &s);
    return paged(json_pack("{s:o}", "queue", s.arr), page);
}

/* ---- bilateral instructions: the list with its near-match hints ---- */

static bool status_matches(const stl_instruction *in, const char *status)
{
    if (!status || !*status)
        return true;
    if (!strcmp(status, "matched"))
        return in->matched_with != 0 &&
               (in->status == STL_INSTR_QUEUED || in->status == STL_INSTR_SETTLED);
    return !strcmp(status, stl_instruction_status_name(in->status));
}

typedef struct instr_scan {
    ldg_state *st;
    json_t *arr;
    const char *status;
    net_page *page;
    stl_instruction *unmatched; /* the first STL_NEAR_MATCH_SCAN_MAX unmatched ones */
    size_t n_unmatched;
} instr_scan;

static bool decode_row(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                       stl_instruction *in)
{
    if (kl != 9 || stl_instruction_decode(v, vl, in) != LDG_OK)
        return false;
    in->id = 0;
    for (int i = 0; i < 8; i++)
        in->id = in->id << 8 | k[1 + i];
    return true;
}

static bool collect_unmatched(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    instr_scan *s = arg;
    stl_instruction in;
    if (!decode_row(k, kl, v, vl, &in) || in.status != STL_INSTR_UNMATCHED)
        return true;
    s->unmatched[s->n_unmatched++] = in;
    return s->n_unmatched < STL_NEAR_MATCH_SCAN_MAX;
}

/* The mirror this unmatched instruction almost has: an unmatched instruction of the
 * counterparty, on the other side, between the same two participants, that differs in one
 * term only. Returns the hint or NULL. */
static json_t *near_match(const instr_scan *s, const stl_instruction *in)
{
    for (size_t i = 0; i < s->n_unmatched; i++) {
        const stl_instruction *o = &s->unmatched[i];
        if (o->id == in->id || o->deliver == in->deliver ||
            memcmp(o->owner.b, in->counterparty.b, LDG_ACCOUNT_LEN) ||
            memcmp(o->counterparty.b, in->owner.b, LDG_ACCOUNT_LEN))
            continue;
        bool di = strcmp(o->isin, in->isin) != 0, dq = o->qty != in->qty;
        bool dc = strcmp(o->currency, in->currency) != 0, da = o->amount != in->amount;
        if (di + dq + dc + da != 1)
            continue;
        char hint[160], num[AST_MONEY_TEXT_LEN];
        const char *field = di ? "isin" : dq ? "quantity" : dc ? "currency" : "amount";
        if (da) {
            uint64_t diff =
                o->amount > in->amount ? o->amount - in->amount : in->amount - o->amount;
            unsigned scale = 0;
            (void)ast_money_currency_scale(in->currency, &scale);
            snprintf(hint, sizeof hint, "amount differs by %s %s from instruction %llu",
                     ast_money_format(num, sizeof num, (int64_t)diff, scale, true), in->currency,
                     (unsigned long long)o->id);
        } else if (dq) {
            uint64_t diff = o->qty > in->qty ? o->qty - in->qty : in->qty - o->qty;
            snprintf(hint, sizeof hint, "quantity differs by %llu from instruction %llu",
                     (unsigned long long)diff, (unsigned long long)o->id);
        } else {
            snprintf(hint, sizeof hint, "%s differs (%s here, %s in instruction %llu)",
                     di ? "ISIN" : "currency", di ? in->isin : in->currency,
                     di ? o->isin : o->currency, (unsigned long long)o->id);
        }
        return json_pack("{s:I,s:s,s:o}", "instruction", (json_int_t)o->id, "field", field, "hint",
                         net_json_text(hint, strlen(hint)));
    }
    return NULL;
}

static json_t *instruction_json(const instr_scan *s, const stl_instruction *in)
{
    json_t *j = json_pack("{s:I,s:s,s:o,s:o,s:s,s:s,s:I,s:s,s:o,s:I}", "id", (json_int_t)in->id,
                          "status", stl_instruction_status_name(in->status), "sender",
                          who(s->st, &in->owner), "counterparty", who(s->st, &in->counterparty),
                          "side", in->deliver ? "deliver" : "receive", "isin", in->isin, "quantity",
                          (json_int_t)in->qty, "currency", in->currency, "amount",
                          money(in->amount, in->currency), "height", (json_int_t)in->height);
    if (!j)
        return NULL;
    json_object_set_new(j, "matched_with",
                        in->matched_with ? json_integer((json_int_t)in->matched_with)
                                         : json_null());
    json_t *hint = in->status == STL_INSTR_UNMATCHED ? near_match(s, in) : NULL;
    json_object_set_new(j, "near_match", hint ? hint : json_null());
    return j;
}

static bool collect_instruction(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    instr_scan *s = arg;
    stl_instruction in;
    if (!net_page_after(s->page, k + 1, kl - 1) || !decode_row(k, kl, v, vl, &in) ||
        !status_matches(&in, s->status))
        return true;
    if (!net_page_take(s->page, k + 1, 8))
        return false;
    json_t *j = instruction_json(s, &in);
    if (j)
        json_array_append_new(s->arr, j);
    return true;
}

/* "" (all), "matched", or an instruction status's name. */
static bool status_known(const char *status)
{
    if (!*status || !strcmp(status, "matched"))
        return true;
    for (uint64_t k = STL_INSTR_UNMATCHED; k <= STL_INSTR_CANCELLED; k++)
        if (!strcmp(status, stl_instruction_status_name(k)))
            return true;
    return false;
}

json_t *net_query_instructions(ldg_state *st, const char *status, net_page *page, ldg_err *err)
{
    if (!status_known(status)) {
        *err = LDG_ERR_INVALID;
        return NULL;
    }
    instr_scan s = {st, json_array(), status, page, NULL, 0};
    s.unmatched = malloc(STL_NEAR_MATCH_SCAN_MAX * sizeof *s.unmatched);
    if (!s.unmatched) {
        json_decref(s.arr);
        *err = LDG_ERR_NOMEM;
        return NULL;
    }
    uint8_t prefix = 'i';
    *err = ldg_state_scan(st, &prefix, 1, SIZE_MAX, collect_unmatched, &s);
    if (*err == LDG_OK)
        *err = ldg_state_scan(st, &prefix, 1, SIZE_MAX, collect_instruction, &s);
    free(s.unmatched);
    return paged(json_pack("{s:o}", "instructions", s.arr), page);
}

/* ---- cycle preview: cycle.run on a throw-away overlay ---- */

json_t *net_query_cycle_preview(ldg_state *st, const ldg_registry *reg, const ldg_env *env,
                                ldg_err *err)
{
    ldg_txctx c = {.reg = reg, .st = st, .env = env};
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 0);
    ldg_dec d;
    *err = ldg_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e));
    if (*err != LDG_OK) {
        ldg_enc_free(&e);
        return NULL;
    }
    /* The same handler a committed cycle.run runs; st is freed unread by the caller. */
    ldg_state_tx_begin(st);
    ldg_result r = stl_apply_cycle_run(&c, d.root);
    ldg_dec_free(&d);
    ldg_enc_free(&e);
    if (r == LDG_R_STORE_FAILED) {
        *err = LDG_ERR_IO;
        return NULL;
    }
    if (r != LDG_R_OK)
        return json_pack("{s:b,s:{s:i,s:s,s:s,s:o}}", "preview", 1, "rejected", "code", (int)r,
                         "name", ldg_result_name(r), "message", ldg_result_text(r), "detail",
                         net_json_text(c.detail, strlen(c.detail)));
    uint64_t n = 0;
    for (size_t i = 0; i < 8 && i < c.data_len; i++)
        n = n << 8 | c.data[i];
    json_t *j = net_query_cycle(st, n, err);
    if (j) {
        json_object_set_new(j, "preview", json_true());
        json_object_set_new(j, "detail", net_json_text(c.detail, strlen(c.detail)));
    }
    return j;
}
