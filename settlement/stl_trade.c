/* Peer trades and CCP novation. */
#include "ast_asset.h"
#include "stl_ledger.h"

#include <string.h>

static const ldg_result_info stl_results[] = {
    {STL_R_UNKNOWN_TRADE, "UNKNOWN_TRADE", "no trade with this id"},
    {STL_R_SELF_TRADE, "SELF_TRADE", "a broker cannot trade with itself"},
    {STL_R_NOT_COUNTERPARTY, "NOT_COUNTERPARTY",
     "only the broker named as counterparty may affirm this trade"},
    {STL_R_ALREADY_AFFIRMED, "ALREADY_AFFIRMED", "the trade is already affirmed and novated"},
    {STL_R_NOT_CANCELLABLE, "NOT_CANCELLABLE", "only a trade not yet affirmed can be cancelled"},
    {STL_R_BAD_SIDE, "BAD_SIDE", "the side must be buy or sell"},
    {STL_R_ZERO_PRICE, "ZERO_PRICE", "the price must be greater than zero"},
    {STL_R_VALUE_OVERFLOW, "VALUE_OVERFLOW", "quantity times price exceeds the ledger's maximum"},
    {STL_R_NO_CCP, "NO_CCP", "no participant holds the ccp role, so the trade cannot be novated"},
    {STL_R_COUNTERPARTY_NOT_BROKER, "COUNTERPARTY_NOT_BROKER",
     "the counterparty is not a registered broker"},
    {STL_R_NOT_SUBMITTER, "NOT_SUBMITTER", "only the broker who submitted the trade may cancel it"},
    {STL_R_UNKNOWN_CURRENCY, "UNKNOWN_CURRENCY", "no cash instrument in this currency is issued"},
    {STL_R_CYCLE_TOO_LARGE, "CYCLE_TOO_LARGE", "more open obligations than one cycle can take"},
    {STL_R_NOT_SECURITY, "NOT_SECURITY", "trades and instructions deliver securities, not cash"},
    {STL_R_UNKNOWN_INSTRUCTION, "UNKNOWN_INSTRUCTION", "no settlement instruction with this id"},
    {STL_R_SETTLEMENT_BLOCKED, "SETTLEMENT_BLOCKED",
     "a settlement leg was blocked by an instrument rule or control"},
    {STL_R_CCP_TRADE, "CCP_TRADE", "the CCP cannot be a party to a trade it novates"},
    {STL_R_TRADE_CANCELLED, "TRADE_CANCELLED", "the trade was cancelled"},
    {STL_R_QUEUE_FULL, "QUEUE_FULL",
     "the settlement queue is full; resolve it or wait for the next cycle"},
    {STL_R_NOT_INSTRUCTION_PARTY, "NOT_INSTRUCTION_PARTY",
     "only a party to the instruction may cancel it (before matching: only its sender)"},
    {STL_R_INSTRUCTION_FINAL, "INSTRUCTION_FINAL",
     "the instruction is already settled or cancelled"},
    {STL_R_CANCEL_REQUESTED, "CANCEL_REQUESTED",
     "this party already asked to cancel; the counterparty must ask too"},
    {STL_R_FAIL_TOO_RECENT, "FAIL_TOO_RECENT",
     "the fail has not yet been carried through enough cycles to be closed"},
    {STL_R_NOT_CLOSABLE, "NOT_CLOSABLE",
     "only a novated trade with both obligations still open can be closed"},
    {STL_R_NOT_FAILING, "NOT_FAILING",
     "both sides now hold what the trade needs; let the next cycle settle it"},
    {STL_R_BAD_CLOSE_AFTER, "BAD_CLOSE_AFTER",
     "the number of cycles before a fail may be closed is out of range"},
};

const char *stl_fail_reason_name(uint64_t reason)
{
    switch (reason) {
    case STL_FAIL_SECURITIES:
        return "seller short of securities";
    case STL_FAIL_CASH:
        return "buyer short of cash";
    case STL_FAIL_BOTH:
        return "seller short of securities and buyer short of cash";
    case STL_FAIL_CCP_SECURITIES:
        return "CCP did not receive the securities (a seller failed to deliver)";
    case STL_FAIL_CCP_CASH:
        return "CCP did not receive the cash (a buyer failed to pay)";
    default:
        return "no room in the settled set without a negative balance (liquidity)";
    }
}

void stl_key_id(uint8_t out[9], char prefix, uint64_t id)
{
    out[0] = (uint8_t)prefix;
    for (int i = 0; i < 8; i++)
        out[1 + i] = (uint8_t)(id >> (56 - 8 * i));
}

void stl_ns_key_id(uint8_t out[10], char kind, uint64_t id)
{
    out[0] = STL_KEY_NS;
    stl_key_id(out + 1, kind, id);
}

static uint64_t key_id(const uint8_t *k)
{
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | k[1 + i];
    return id;
}

void stl_trade_put(ldg_state *st, const stl_trade *t)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 13);
    ldg_enc_u64(&e, t->status);
    ldg_enc_bin(&e, t->submitter.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, t->counterparty.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, t->buyer.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, t->seller.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&e, t->isin);
    ldg_enc_u64(&e, t->quantity);
    ldg_enc_u64(&e, t->price);
    ldg_enc_str(&e, t->currency);
    ldg_enc_u64(&e, t->value);
    ldg_enc_str(&e, t->ref);
    ldg_enc_u64(&e, t->submit_height);
    ldg_enc_u64(&e, t->affirm_height);
    uint8_t key[9];
    stl_key_id(key, 't', t->id);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

ldg_err stl_trade_decode(const uint8_t *v, size_t vl, stl_trade *t)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 13, &f) && ldg_obj_u64(&f[0], &t->status) &&
              ldg_obj_bin(&f[1], t->submitter.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bin(&f[2], t->counterparty.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bin(&f[3], t->buyer.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bin(&f[4], t->seller.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_str(&f[5], t->isin, 12, false) && ldg_obj_u64(&f[6], &t->quantity) &&
              ldg_obj_u64(&f[7], &t->price) && ldg_obj_str(&f[8], t->currency, 12, false) &&
              ldg_obj_u64(&f[9], &t->value) && ldg_obj_str(&f[10], t->ref, 64, true) &&
              ldg_obj_u64(&f[11], &t->submit_height) && ldg_obj_u64(&f[12], &t->affirm_height);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err stl_trade_get(ldg_state *st, uint64_t id, stl_trade *t, bool *found)
{
    uint8_t key[9];
    stl_key_id(key, 't', id);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, key, sizeof key, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    t->id = id;
    return stl_trade_decode(v, vl, t);
}

static void put_obligation(ldg_state *st, const stl_obligation_rec *o)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 9);
    ldg_enc_u64(&e, o->trade_id);
    ldg_enc_bin(&e, o->from.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, o->to.b, LDG_ACCOUNT_LEN);
    ldg_enc_str(&e, o->isin);
    ldg_enc_u64(&e, o->quantity);
    ldg_enc_str(&e, o->currency);
    ldg_enc_u64(&e, o->cash);
    ldg_enc_u64(&e, o->created_cycle);
    ldg_enc_u64(&e, o->age);
    uint8_t key[9];
    stl_key_id(key, 'o', o->id);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

ldg_err stl_obligation_decode(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl,
                              stl_obligation_rec *o)
{
    if (kl != 9)
        return LDG_ERR_CORRUPT;
    o->id = key_id(k);
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 9, &f) && ldg_obj_u64(&f[0], &o->trade_id) &&
              ldg_obj_bin(&f[1], o->from.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bin(&f[2], o->to.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_str(&f[3], o->isin, 12, false) && ldg_obj_u64(&f[4], &o->quantity) &&
              ldg_obj_str(&f[5], o->currency, 12, false) && ldg_obj_u64(&f[6], &o->cash) &&
              ldg_obj_u64(&f[7], &o->created_cycle) && ldg_obj_u64(&f[8], &o->age);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

static ldg_result check_instruments(ldg_txctx *c, const char *isin, const char *ccy)
{
    ast_asset a;
    bool found;
    if (ast_asset_get(c->st, isin, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return AST_R_UNKNOWN_ASSET;
    if (a.kind == AST_KIND_CASH)
        return STL_R_NOT_SECURITY;
    if (ast_asset_get(c->st, ccy, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found || a.kind != AST_KIND_CASH) {
        ldg_txctx_detail(c, "no cash instrument %s", ccy);
        return STL_R_UNKNOWN_CURRENCY;
    }
    return LDG_R_OK;
}

static ldg_result next_id(ldg_state *st, char counter, uint64_t *id)
{
    uint64_t n;
    if (ldg_state_get_u64(st, &counter, 1, &n) != LDG_OK)
        return LDG_R_STORE_FAILED;
    *id = n + 1;
    ldg_state_put_u64(st, &counter, 1, *id);
    return LDG_R_OK;
}

static void result_id(ldg_txctx *c, uint64_t id)
{
    for (int i = 0; i < 8; i++)
        c->data[i] = (uint8_t)(id >> (56 - 8 * i));
    c->data_len = 8;
}

/* trade.submit: [isin, side, quantity, price, currency, counterparty, ref] */
static ldg_result apply_submit(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    stl_trade t = {.status = STL_TRADE_SUBMITTED, .submit_height = c->env->height};
    uint64_t side;
    if (!ldg_obj_array(payload, 7, &f) || !ldg_obj_str(&f[0], t.isin, 12, false) ||
        !ldg_obj_u64(&f[1], &side) || !ldg_obj_u64(&f[2], &t.quantity) ||
        !ldg_obj_u64(&f[3], &t.price) || !ldg_obj_str(&f[4], t.currency, 12, false) ||
        !ldg_obj_bin(&f[5], t.counterparty.b, LDG_ACCOUNT_LEN) ||
        !ldg_obj_str(&f[6], t.ref, 64, true))
        return LDG_R_BAD_PAYLOAD;
    if (side > STL_SIDE_SELL)
        return STL_R_BAD_SIDE;
    if (t.quantity == 0)
        return AST_R_ZERO_QUANTITY;
    if (t.price == 0)
        return STL_R_ZERO_PRICE;
    if (__builtin_mul_overflow(t.quantity, t.price, &t.value) || t.value > LDG_QUANTITY_MAX ||
        t.quantity > LDG_QUANTITY_MAX)
        return STL_R_VALUE_OVERFLOW;
    if (!memcmp(t.counterparty.b, c->sender.b, LDG_ACCOUNT_LEN))
        return STL_R_SELF_TRADE;
    ldg_result r = check_instruments(c, t.isin, t.currency);
    if (r != LDG_R_OK)
        return r;
    ldg_participant cp;
    bool found;
    if (ldg_participant_get(c->st, &t.counterparty, &cp, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found || !(cp.roles & LDG_ROLE_BROKER))
        return STL_R_COUNTERPARTY_NOT_BROKER;
    t.submitter = c->sender;
    t.buyer = side == STL_SIDE_BUY ? c->sender : t.counterparty;
    t.seller = side == STL_SIDE_BUY ? t.counterparty : c->sender;
    r = next_id(c->st, 'T', &t.id);
    if (r != LDG_R_OK)
        return r;
    stl_trade_put(c->st, &t);
    result_id(c, t.id);
    return LDG_R_OK;
}

typedef struct ccp_scan {
    ldg_account found;
    bool any;
} ccp_scan;

static bool find_ccp(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ccp_scan *s = arg;
    ldg_participant p;
    if (ldg_participant_decode(v, vl, &p) == LDG_OK && (p.roles & LDG_ROLE_CCP)) {
        s->found = p.account; /* keys are sorted: the first is the lowest account */
        s->any = true;
        return false;
    }
    return true;
}

/* The CCP: the participant with the ccp role with the lowest account id at the first
 * novation, pinned in 'K' so that every later novation names the same CCP. */
static ldg_result the_ccp(ldg_state *st, ldg_account *out)
{
    const uint8_t *v;
    size_t vl;
    bool found;
    uint8_t k = 'K';
    if (ldg_state_get(st, &k, 1, &v, &vl, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found && vl == LDG_ACCOUNT_LEN) {
        memcpy(out->b, v, LDG_ACCOUNT_LEN);
        return LDG_R_OK;
    }
    ccp_scan s = {.any = false};
    uint8_t prefix = LDG_KEY_PARTICIPANT;
    if (ldg_state_scan(st, &prefix, 1, SIZE_MAX, find_ccp, &s) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!s.any)
        return STL_R_NO_CCP;
    ldg_state_put(st, &k, 1, s.found.b, LDG_ACCOUNT_LEN);
    *out = s.found;
    return LDG_R_OK;
}

static bool trade_id_arg(const msgpack_object *payload, uint64_t *id)
{
    const msgpack_object *f;
    return ldg_obj_array(payload, 1, &f) && ldg_obj_u64(&f[0], id);
}

/* trade.affirm: [trade_id] by the counterparty; the CCP novates at once. */
static ldg_result apply_affirm(ldg_txctx *c, const msgpack_object *payload)
{
    uint64_t id;
    stl_trade t;
    bool found;
    if (!trade_id_arg(payload, &id))
        return LDG_R_BAD_PAYLOAD;
    if (stl_trade_get(c->st, id, &t, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return STL_R_UNKNOWN_TRADE;
    if (memcmp(t.counterparty.b, c->sender.b, LDG_ACCOUNT_LEN) != 0)
        return STL_R_NOT_COUNTERPARTY;
    if (t.status == STL_TRADE_NOVATED || t.status == STL_TRADE_CLOSED)
        return STL_R_ALREADY_AFFIRMED;
    if (t.status == STL_TRADE_CANCELLED)
        return STL_R_TRADE_CANCELLED;
    if (t.status != STL_TRADE_SUBMITTED)
        return LDG_R_STORE_FAILED;
    ldg_account ccp;
    ldg_result r = the_ccp(c->st, &ccp);
    if (r != LDG_R_OK)
        return r;
    if (!memcmp(ccp.b, t.buyer.b, LDG_ACCOUNT_LEN) || !memcmp(ccp.b, t.seller.b, LDG_ACCOUNT_LEN))
        return STL_R_CCP_TRADE;
    uint64_t cycle = 0;
    uint8_t ck = 'C';
    if (ldg_state_get_u64(c->st, &ck, 1, &cycle) != LDG_OK)
        return LDG_R_STORE_FAILED;
    stl_obligation_rec o = {
        .trade_id = id, .quantity = t.quantity, .cash = t.value, .created_cycle = cycle + 1};
    memcpy(o.isin, t.isin, sizeof o.isin);
    memcpy(o.currency, t.currency, sizeof o.currency);
    o.id = 2 * id, o.from = t.seller, o.to = ccp;
    put_obligation(c->st, &o);
    o.id = 2 * id + 1, o.from = ccp, o.to = t.buyer;
    put_obligation(c->st, &o);
    t.status = STL_TRADE_NOVATED;
    t.affirm_height = c->env->height;
    stl_trade_put(c->st, &t);
    result_id(c, id);
    return LDG_R_OK;
}

/* trade.cancel: [trade_id] by the submitter, before affirmation. */
static ldg_result apply_cancel(ldg_txctx *c, const msgpack_object *payload)
{
    uint64_t id;
    stl_trade t;
    bool found;
    if (!trade_id_arg(payload, &id))
        return LDG_R_BAD_PAYLOAD;
    if (stl_trade_get(c->st, id, &t, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return STL_R_UNKNOWN_TRADE;
    if (memcmp(t.submitter.b, c->sender.b, LDG_ACCOUNT_LEN) != 0)
        return STL_R_NOT_SUBMITTER;
    if (t.status != STL_TRADE_SUBMITTED)
        return STL_R_NOT_CANCELLABLE;
    t.status = STL_TRADE_CANCELLED;
    stl_trade_put(c->st, &t);
    result_id(c, id);
    return LDG_R_OK;
}

static const ldg_tx_type stl_types[] = {
    {STL_TX_TRADE_SUBMIT, "trade.submit", LDG_ROLE_BROKER, apply_submit},
    {STL_TX_TRADE_AFFIRM, "trade.affirm", LDG_ROLE_BROKER, apply_affirm},
    {STL_TX_TRADE_CANCEL, "trade.cancel", LDG_ROLE_BROKER, apply_cancel},
    {STL_TX_CYCLE_RUN, "cycle.run", LDG_ROLE_CLEARING, stl_apply_cycle_run},
    {STL_TX_SETTLE_INSTRUCT, "settle.instruct", 0, stl_apply_settle_instruct},
    {STL_TX_SETTLE_RESOLVE, "settle.resolve", LDG_ROLE_CLEARING, stl_apply_settle_resolve},
    {STL_TX_SETTLE_CANCEL, "settle.cancel", 0, stl_apply_settle_cancel},
    {STL_TX_FAIL_CLOSE, "cycle.close_fail", LDG_ROLE_CLEARING, stl_apply_fail_close},
    {STL_TX_FAIL_CLOSE_AFTER, "cycle.fail_close_after", LDG_ROLE_CLEARING,
     stl_apply_fail_close_after},
};

void stl_ledger_register(ldg_registry *r)
{
    ldg_result_register(stl_results, LDG_ARRAY_LEN(stl_results));
    for (size_t i = 0; i < LDG_ARRAY_LEN(stl_types); i++)
        ldg_registry_add_tx(r, &stl_types[i]);
}
