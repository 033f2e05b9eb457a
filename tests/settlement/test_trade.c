/* Trades through the executor: submit, affirm (CCP novation), cancel, and every bad input
 * rejected with its code and nothing changed. */
#include "stl_testkit.h"

#include "net_query_settlement.h"

#define X "US0378331005"
#define CNY "CNY"

typedef struct world {
    tk t;
    int ccp, clear, a, b, c, inv;
} world;

static void world_init(world *w, bool with_ccp)
{
    tk_init(&w->t);
    w->ccp = with_ccp ? tk_party_add(&w->t, "ccp", LDG_ROLE_CCP) : -1;
    w->clear = tk_party_add(&w->t, "clearing", LDG_ROLE_CLEARING);
    w->a = tk_party_add(&w->t, "broker-a", LDG_ROLE_BROKER);
    w->b = tk_party_add(&w->t, "broker-b", LDG_ROLE_BROKER);
    w->c = tk_party_add(&w->t, "broker-c", LDG_ROLE_BROKER);
    w->inv = tk_party_add(&w->t, "investor", LDG_ROLE_INVESTOR);
    tk_asset_add(&w->t, X, AST_KIND_EQUITY);
    tk_asset_add(&w->t, CNY, AST_KIND_CASH);
    tk_give(&w->t, w->a, X, 1000);
    tk_give(&w->t, w->b, CNY, 1000000);
    tk_commit(&w->t);
}

typedef struct obl {
    bool found;
    stl_obligation_rec o;
} obl;

static obl get_obl(tk *t, uint64_t id)
{
    obl r = {0};
    uint8_t key[9];
    stl_key_id(key, 'o', id);
    const uint8_t *v;
    size_t vl;
    ck_assert(ldg_state_get(t->st, key, 9, &v, &vl, &r.found) == LDG_OK);
    if (r.found)
        ck_assert(stl_obligation_decode(key, 9, v, vl, &r.o) == LDG_OK);
    return r;
}

static json_t *trade_json(tk *t, uint64_t id)
{
    ldg_err err;
    json_t *j = net_query_trade(t->st, id, &err);
    ck_assert_ptr_nonnull(j);
    return j;
}

START_TEST(test_submit_affirm_novates)
{
    world w;
    world_init(&w, true);
    tk *t = &w.t;
    uint64_t id;
    /* b buys 10 X at 250.00 from a */
    ck_assert_int_eq(tk_submit(t, w.b, X, STL_SIDE_BUY, 10, 25000, CNY, w.a, &id), LDG_R_OK);
    ck_assert_uint_eq(id, 1);
    json_t *j = trade_json(t, id);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "submitted");
    /* value is a money object: exact minor units with the currency and its scale */
    json_t *val = json_object_get(j, "value");
    ck_assert_int_eq(json_integer_value(json_object_get(val, "minor")), 250000);
    ck_assert_str_eq(json_string_value(json_object_get(val, "currency")), "CNY");
    ck_assert_str_eq(json_string_value(json_object_get(val, "decimal")), "2500.00");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "seller"), "name")),
                     "broker-a");
    json_decref(j);
    ck_assert(!get_obl(t, 2).found);
    tk_commit(t);
    ck_assert_int_eq(tk_by_id(t, w.a, STL_TX_TRADE_AFFIRM, id), LDG_R_OK);
    ck_assert_uint_eq(tk_receipt_id(t), id);
    obl s = get_obl(t, 2 * id), bu = get_obl(t, 2 * id + 1);
    ck_assert(s.found && bu.found);
    ck_assert(!memcmp(s.o.from.b, t->party[w.a].acct.b, LDG_ACCOUNT_LEN));
    ck_assert(!memcmp(s.o.to.b, t->party[w.ccp].acct.b, LDG_ACCOUNT_LEN));
    ck_assert(!memcmp(bu.o.from.b, t->party[w.ccp].acct.b, LDG_ACCOUNT_LEN));
    ck_assert(!memcmp(bu.o.to.b, t->party[w.b].acct.b, LDG_ACCOUNT_LEN));
    ck_assert_uint_eq(s.o.quantity, 10);
    ck_assert_uint_eq(s.o.cash, 250000);
    ck_assert_uint_eq(bu.o.cash, 250000);
    ck_assert_str_eq(s.o.isin, X);
    ck_assert_str_eq(s.o.currency, CNY);
    ck_assert_uint_eq(s.o.created_cycle, 1);
    ck_assert_uint_eq(s.o.age, 0);
    j = trade_json(t, id);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "novated");
    json_decref(j);
    /* Novation moves nothing. */
    ck_assert_uint_eq(tk_bal(t, w.a, X), 1000);
    tk_commit(t);
    tk_check_conserved(t);
    /* list by status */
    ldg_err err;
    j = net_query_trades(t->st, "novated", &(net_page){.limit = LDG_QUERY_PAGE_MAX}, &err);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "trades")), 1);
    json_decref(j);
    j = net_query_trades(t->st, "submitted", &(net_page){.limit = LDG_QUERY_PAGE_MAX}, &err);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "trades")), 0);
    json_decref(j);
    tk_free(t);
}
END_TEST

START_TEST(test_cancel)
{
    world w;
    world_init(&w, true);
    tk *t = &w.t;
    uint64_t id;
    ck_assert_int_eq(tk_submit(t, w.a, X, STL_SIDE_SELL, 5, 100, CNY, w.b, &id), LDG_R_OK);
    tk_commit(t);
    /* only the submitter cancels */
    ck_assert_int_eq(tk_by_id(t, w.b, STL_TX_TRADE_CANCEL, id), STL_R_NOT_SUBMITTER);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.a, STL_TX_TRADE_CANCEL, id), LDG_R_OK);
    tk_commit(t);
    json_t *j = trade_json(t, id);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "cancelled");
    json_decref(j);
    /* a cancelled trade cannot be affirmed or cancelled again */
    ck_assert_int_eq(tk_by_id(t, w.b, STL_TX_TRADE_AFFIRM, id), STL_R_TRADE_CANCELLED);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.a, STL_TX_TRADE_CANCEL, id), STL_R_NOT_CANCELLABLE);
    tk_check_unchanged(t);
    tk_free(t);
}
END_TEST

/* Each bad input: its code, and nothing written but the replay guard. */
START_TEST(test_bad_input)
{
    world w;
    world_init(&w, true);
    tk *t = &w.t;
    uint64_t id;
    struct {
        const char *isin, *ccy;
        int who, side, cp;
        uint64_t qty, price;
        ldg_result want;
    } cases[] = {
        {"US5949181045", CNY, w.a, STL_SIDE_SELL, w.b, 1, 1, AST_R_UNKNOWN_ASSET},
        {X, "USD", w.a, STL_SIDE_SELL, w.b, 1, 1, STL_R_UNKNOWN_CURRENCY},
        {CNY, CNY, w.a, STL_SIDE_SELL, w.b, 1, 1, STL_R_NOT_SECURITY},
        {X, CNY, w.a, STL_SIDE_SELL, w.a, 1, 1, STL_R_SELF_TRADE},
        {X, CNY, w.a, STL_SIDE_SELL, w.b, 0, 1, AST_R_ZERO_QUANTITY},
        {X, CNY, w.a, STL_SIDE_SELL, w.b, 1, 0, STL_R_ZERO_PRICE},
        {X, CNY, w.a, STL_SIDE_SELL, w.b, 1ULL << 62, 2, STL_R_VALUE_OVERFLOW},
        {X, CNY, w.a, STL_SIDE_SELL, w.b, (1ULL << 62) + 1, 1, STL_R_VALUE_OVERFLOW},
        {X, CNY, w.a, STL_SIDE_SELL, w.b, 1ULL << 32, 1ULL << 32, STL_R_VALUE_OVERFLOW},
        {X, CNY, w.a, STL_SIDE_SELL, w.b, UINT64_MAX, UINT64_MAX, STL_R_VALUE_OVERFLOW},
        {X, CNY, w.a, 2, w.b, 1, 1, STL_R_BAD_SIDE},
        {X, CNY, w.a, STL_SIDE_SELL, w.inv, 1, 1, STL_R_COUNTERPARTY_NOT_BROKER},
        {X, CNY, w.a, STL_SIDE_SELL, w.clear, 1, 1, STL_R_COUNTERPARTY_NOT_BROKER},
        {X, CNY, w.inv, STL_SIDE_SELL, w.a, 1, 1, LDG_R_UNAUTHORIZED},
        {X, CNY, w.clear, STL_SIDE_BUY, w.a, 1, 1, LDG_R_UNAUTHORIZED},
    };
    for (size_t i = 0; i < LDG_ARRAY_LEN(cases); i++) {
        ck_assert_msg(tk_submit(t, cases[i].who, cases[i].isin, cases[i].side, cases[i].qty,
                                cases[i].price, cases[i].ccy, cases[i].cp, &id) == cases[i].want,
                      "case %zu: got %s, want %s", i, ldg_result_name(t->last.code),
                      ldg_result_name(cases[i].want));
        tk_check_unchanged(t);
    }
    /* the largest value accepted: quantity * price == 2^62 */
    ck_assert_int_eq(tk_submit(t, w.a, X, STL_SIDE_SELL, 1ULL << 31, 1ULL << 31, CNY, w.b, &id),
                     LDG_R_OK);
    tk_commit(t);
    /* affirmation by the wrong broker, by the submitter, by a non-broker */
    ck_assert_int_eq(tk_by_id(t, w.c, STL_TX_TRADE_AFFIRM, id), STL_R_NOT_COUNTERPARTY);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.a, STL_TX_TRADE_AFFIRM, id), STL_R_NOT_COUNTERPARTY);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.inv, STL_TX_TRADE_AFFIRM, id), LDG_R_UNAUTHORIZED);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.b, STL_TX_TRADE_AFFIRM, 999), STL_R_UNKNOWN_TRADE);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.b, STL_TX_TRADE_AFFIRM, id), LDG_R_OK);
    tk_commit(t);
    /* double affirmation, cancel after affirmation */
    ck_assert_int_eq(tk_by_id(t, w.b, STL_TX_TRADE_AFFIRM, id), STL_R_ALREADY_AFFIRMED);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.a, STL_TX_TRADE_CANCEL, id), STL_R_NOT_CANCELLABLE);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_by_id(t, w.a, STL_TX_TRADE_CANCEL, 999), STL_R_UNKNOWN_TRADE);
    tk_check_unchanged(t);
    /* malformed payloads */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, id);
    ldg_enc_u64(&e, id);
    ck_assert_int_eq(tk_tx(t, w.b, STL_TX_TRADE_AFFIRM, &e), LDG_R_BAD_PAYLOAD);
    tk_check_unchanged(t);
    ldg_enc_reset(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_u64(&e, 7);
    ck_assert_int_eq(tk_tx(t, w.clear, STL_TX_CYCLE_RUN, &e), LDG_R_BAD_PAYLOAD);
    tk_check_unchanged(t);
    ldg_enc_free(&e);
    /* cycle.run by a broker */
    ck_assert_int_eq(tk_empty(t, w.a, STL_TX_CYCLE_RUN), LDG_R_UNAUTHORIZED);
    tk_check_unchanged(t);
    tk_check_conserved(t);
    tk_free(t);
}
END_TEST

START_TEST(test_no_ccp)
{
    world w;
    world_init(&w, false);
    tk *t = &w.t;
    uint64_t id;
    ck_assert_int_eq(tk_submit(t, w.a, X, STL_SIDE_SELL, 5, 100, CNY, w.b, &id), LDG_R_OK);
    tk_commit(t);
    ck_assert_int_eq(tk_by_id(t, w.b, STL_TX_TRADE_AFFIRM, id), STL_R_NO_CCP);
    tk_check_unchanged(t);
    tk_free(t);
}
END_TEST

START_TEST(test_ccp_cannot_trade)
{
    world w;
    world_init(&w, false);
    tk *t = &w.t;
    int ccp = tk_party_add(t, "ccp-broker", LDG_ROLE_CCP | LDG_ROLE_BROKER);
    tk_commit(t);
    uint64_t id;
    ck_assert_int_eq(tk_submit(t, w.a, X, STL_SIDE_SELL, 5, 100, CNY, ccp, &id), LDG_R_OK);
    tk_commit(t);
    ck_assert_int_eq(tk_by_id(t, ccp, STL_TX_TRADE_AFFIRM, id), STL_R_CCP_TRADE);
    tk_check_unchanged(t);
    tk_free(t);
}
END_TEST

START_TEST(test_instruct_bad_input)
{
    world w;
    world_init(&w, true);
    tk *t = &w.t;
    ck_assert_int_eq(tk_instruct(t, w.a, true, "US5949181045", 1, CNY, 1, w.b),
                     AST_R_UNKNOWN_ASSET);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_instruct(t, w.a, true, X, 1, "USD", 1, w.b), STL_R_UNKNOWN_CURRENCY);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_instruct(t, w.a, true, X, 0, CNY, 1, w.b), AST_R_ZERO_QUANTITY);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_instruct(t, w.a, true, X, 1, CNY, 0, w.b), STL_R_ZERO_PRICE);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_instruct(t, w.a, true, X, 1, CNY, 1, w.a), STL_R_SELF_TRADE);
    tk_check_unchanged(t);
    ck_assert_int_eq(tk_instruct(t, w.a, true, X, (1ULL << 62) + 1, CNY, 1, w.b),
                     STL_R_VALUE_OVERFLOW);
    tk_check_unchanged(t);
    tk_free(t);
}
END_TEST

int main(void)
{
    tl_seed("settlement/test_trade", 0);
    Suite *s = suite_create("settlement/trade");
    TCase *tc = tcase_create("trade");
    tcase_add_test(tc, test_submit_affirm_novates);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_no_ccp);
    tcase_add_test(tc, test_ccp_cannot_trade);
    tcase_add_test(tc, test_instruct_bad_input);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
