/* Read methods for settlement (specs/rpc.md): trades, cycles, the instruction queue. */
#include "net_query_settlement.h"
#include "net_reply.h"
#include "stl_ledger.h"

#include <stdlib.h>
#include <string.h>

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

json_t *net_trade_json(ldg_state *st, const stl_trade *t)
{
    return json_pack("{s:I,s:s,s:o,s:o,s:o,s:o,s:s,s:I,s:I,s:s,s:I,s:s,s:I,s:I}", "id",
                     (json_int_t)t->id, "status", trade_status(st, t), "submitter",
                     who(st, &t->submitter), "counterparty", who(st, &t->counterparty), "buyer",
                     who(st, &t->buyer), "seller", who(st, &t->seller), "isin", t->isin, "quantity",
                     (json_int_t)t->quantity, "price", (json_int_t)t->price, "currency",
                     t->currency, "value", (json_int_t)t->value, "ref", t->ref, "submit_height",
                     (json_int_t)t->submit_height, "affirm_height", (json_int_t)t->affirm_height);
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

static const char *reason_name(uint64_t r)
{
    return stl_fail_reason_name(r);
}

static json_t *cycle_json(ldg_state *st, uint64_t n, const uint8_t *v, size_t vl, bool full)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return NULL;
    const msgpack_object *f, *rows;
    uint32_t nr;
    uint64_t x[9], qs = 0, qw = 0;
    char method[32];
    ldg_account ccp;
    bool ok = ldg_obj_array(d.root, 16, &f);
    for (int i = 0; ok && i < 9; i++)
        ok = ldg_obj_u64(&f[i], &x[i]);
    ok = ok && ldg_obj_str(&f[9], method, 31, false) &&
         ldg_obj_bin(&f[10], ccp.b, LDG_ACCOUNT_LEN) && ldg_obj_u64(&f[14], &qs) &&
         ldg_obj_u64(&f[15], &qw);
    if (!ok) {
        ldg_dec_free(&d);
        return NULL;
    }
    /* Netting efficiency 1 - net/gross, in basis points (integer). */
    uint64_t eff_bp = x[3] ? (uint64_t)(10000 - (unsigned __int128)x[4] * 10000 / x[3]) : 0;
    json_t *j = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:o,s:I,s:I}", "cycle", (json_int_t)n,
        "height", (json_int_t)x[0], "time_ms", (json_int_t)x[1], "obligations", (json_int_t)x[2],
        "gross_value", (json_int_t)x[3], "net_value", (json_int_t)x[4], "netting_efficiency_bp",
        (json_int_t)eff_bp, "settled_count", (json_int_t)x[5], "settled_value", (json_int_t)x[6],
        "carried_count", (json_int_t)x[7], "carried_value", (json_int_t)x[8], "lsm_method", method,
        "ccp", who(st, &ccp), "queue_settled", (json_int_t)qs, "queue_waiting", (json_int_t)qw);
    if (j)
        net_json_time(j, "time", x[1]); /* ISO 8601 beside time_ms (rpc.md §2.2) */
    if (full) {
        json_t *pos = json_array(), *fails = json_array(), *parties = json_array();
        if (ldg_obj_array_any(&f[11], STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr))
            for (uint32_t i = 0; i < nr; i++) {
                const msgpack_object *r;
                ldg_account a;
                char asset[13];
                int64_t net;
                if (ldg_obj_array(&rows[i], 3, &r) && ldg_obj_bin(&r[0], a.b, LDG_ACCOUNT_LEN) &&
                    ldg_obj_str(&r[1], asset, 12, false) && ldg_obj_i64(&r[2], &net))
                    json_array_append_new(pos,
                                          json_pack("{s:o,s:s,s:I}", "participant", who(st, &a),
                                                    "asset", asset, "net", (json_int_t)net));
            }
        if (ldg_obj_array_any(&f[12], STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr))
            for (uint32_t i = 0; i < nr; i++) {
                const msgpack_object *r;
                uint64_t oid, tid, why, age;
                if (ldg_obj_array(&rows[i], 4, &r) && ldg_obj_u64(&r[0], &oid) &&
                    ldg_obj_u64(&r[1], &tid) && ldg_obj_u64(&r[2], &why) &&
                    ldg_obj_u64(&r[3], &age))
                    json_array_append_new(
                        fails,
                        json_pack("{s:I,s:I,s:s,s:I,s:I}", "obligation", (json_int_t)oid, "trade",
                                  (json_int_t)tid, "reason", reason_name(why), "reason_code",
                                  (json_int_t)why, "age_cycles", (json_int_t)age));
            }
        if (ldg_obj_array_any(&f[13], STL_CYCLE_REPORT_ROWS_MAX, &rows, &nr))
            for (uint32_t i = 0; i < nr; i++) {
                const msgpack_object *r;
                ldg_account a;
                uint64_t g, nn;
                if (ldg_obj_array(&rows[i], 3, &r) && ldg_obj_bin(&r[0], a.b, LDG_ACCOUNT_LEN) &&
                    ldg_obj_u64(&r[1], &g) && ldg_obj_u64(&r[2], &nn))
                    json_array_append_new(parties,
                                          json_pack("{s:o,s:I,s:I}", "participant", who(st, &a),
                                                    "gross", (json_int_t)g, "net", (json_int_t)nn));
            }
        json_object_set_new(j, "positions", pos);
        json_object_set_new(j, "failures", fails);
        json_object_set_new(j, "participants", parties);
    }
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
    if (!j)
        *err = LDG_ERR_NOT_FOUND;
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
            s->arr, json_pack("{s:I,s:o,s:o,s:s,s:I,s:s,s:I,s:I}", "instruction", (json_int_t)id,
                              "deliverer", who(s->st, &from), "receiver", who(s->st, &to), "isin",
                              isin, "quantity", (json_int_t)qty, "currency", ccy, "amount",
                              (json_int_t)cash, "age_cycles", (json_int_t)age));
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
