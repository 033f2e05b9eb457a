/* Closing a fail that never settles (specs/settlement.md "Closing a fail"): after
 * STL_FAIL_CLOSE_CYCLES cycles, clearing staff close a novated trade by cash compensation at
 * a stated reference price. Both obligations go; the failing participant pays the other
 * party's loss at that price through the CCP; no security moves. Every movement is an
 * ast_move, so each instrument's total is conserved and its rules and controls apply. */
#include "ast_asset.h"
#include "ast_money.h"
#include "stl_ledger.h"

#include <string.h>

static ldg_err open_obligation(ldg_state *st, uint64_t id, stl_obligation_rec *o, bool *found)
{
    uint8_t key[9];
    stl_key_id(key, 'o', id);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, key, sizeof key, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    return stl_obligation_decode(key, sizeof key, v, vl, o);
}

ldg_err stl_closeout_get(ldg_state *st, uint64_t trade_id, stl_closeout *out, bool *found)
{
    uint8_t key[10];
    stl_ns_key_id(key, 'z', trade_id);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, key, sizeof key, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 7, &f) && ldg_obj_u64(&f[0], &out->failing) &&
              ldg_obj_u64(&f[1], &out->reference_price) && ldg_obj_u64(&f[2], &out->compensation) &&
              ldg_obj_bin(&f[3], out->payer.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bin(&f[4], out->payee.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_u64(&f[5], &out->cycle) && ldg_obj_u64(&f[6], &out->height);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

static void closeout_put(ldg_state *st, uint64_t trade_id, const stl_closeout *z)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_u64(&e, z->failing);
    ldg_enc_u64(&e, z->reference_price);
    ldg_enc_u64(&e, z->compensation);
    ldg_enc_bin(&e, z->payer.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, z->payee.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&e, z->cycle);
    ldg_enc_u64(&e, z->height);
    uint8_t key[10];
    stl_ns_key_id(key, 'z', trade_id);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* 's' 'f': the chain's setting, else the default. */
ldg_err stl_fail_close_cycles(ldg_state *st, uint64_t *cycles)
{
    const uint8_t key[2] = {STL_KEY_NS, 'f'};
    ldg_err err = ldg_state_get_u64(st, key, sizeof key, cycles);
    if (err == LDG_OK && *cycles == 0) /* absent (never stored as 0) */
        *cycles = STL_FAIL_CLOSE_CYCLES;
    return err;
}

/* cycle.fail_close_after: [cycles], 1..STL_FAIL_CLOSE_CYCLES_MAX, by clearing staff. Applies
 * to every fail from now on, those already carried included. */
ldg_result stl_apply_fail_close_after(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    uint64_t n, old;
    if (!ldg_obj_array(payload, 1, &f) || !ldg_obj_u64(&f[0], &n))
        return LDG_R_BAD_PAYLOAD;
    if (n == 0 || n > STL_FAIL_CLOSE_CYCLES_MAX) {
        ldg_txctx_detail(c, "%llu cycles: must be 1 to %d (STL_FAIL_CLOSE_CYCLES_MAX)",
                         (unsigned long long)n, STL_FAIL_CLOSE_CYCLES_MAX);
        return STL_R_BAD_CLOSE_AFTER;
    }
    if (stl_fail_close_cycles(c->st, &old) != LDG_OK)
        return LDG_R_STORE_FAILED;
    const uint8_t key[2] = {STL_KEY_NS, 'f'};
    ldg_state_put_u64(c->st, key, sizeof key, n);
    ldg_txctx_detail(c, "a fail may be closed after %llu cycles (was %llu)", (unsigned long long)n,
                     (unsigned long long)old);
    return LDG_R_OK;
}

/* Checks that trade t can be closed now: novated, both obligations open, carried through at
 * least the chain's fail-close cycles. */
static ldg_result closable(ldg_txctx *c, const stl_trade *t)
{
    if (t->status != STL_TRADE_NOVATED) {
        ldg_txctx_detail(c, "trade %llu is %s", (unsigned long long)t->id,
                         t->status == STL_TRADE_CLOSED      ? "already closed"
                         : t->status == STL_TRADE_CANCELLED ? "cancelled"
                                                            : "not affirmed");
        return STL_R_NOT_CLOSABLE;
    }
    stl_obligation_rec sell, buy;
    bool fs = false, fb = false;
    if (open_obligation(c->st, 2 * t->id, &sell, &fs) != LDG_OK ||
        open_obligation(c->st, 2 * t->id + 1, &buy, &fb) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!fs || !fb) {
        ldg_txctx_detail(c, "trade %llu: obligation %llu has settled", (unsigned long long)t->id,
                         (unsigned long long)(fs ? 2 * t->id + 1 : 2 * t->id));
        return STL_R_NOT_CLOSABLE;
    }
    uint64_t age = sell.age > buy.age ? sell.age : buy.age, need;
    if (stl_fail_close_cycles(c->st, &need) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (age < need) {
        ldg_txctx_detail(c,
                         "trade %llu has been carried through %llu cycles; it can be closed after "
                         "%llu",
                         (unsigned long long)t->id, (unsigned long long)age,
                         (unsigned long long)need);
        return STL_R_FAIL_TOO_RECENT;
    }
    return LDG_R_OK;
}

/* Who fails: the seller if it does not hold the quantity now, else the buyer if it does not
 * hold the value; if both hold what they owe the trade is not failing. */
static ldg_result failing_side(ldg_txctx *c, const stl_trade *t, uint64_t *side)
{
    uint64_t sec = 0, cash = 0;
    if (ast_balance_get(c->st, t->isin, &t->seller, &sec) != LDG_OK ||
        ast_balance_get(c->st, t->currency, &t->buyer, &cash) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (sec < t->quantity)
        *side = STL_SIDE_SELL;
    else if (cash < t->value)
        *side = STL_SIDE_BUY;
    else
        return STL_R_NOT_FAILING;
    return LDG_R_OK;
}

/* cycle.close_fail: [trade_id, reference_price] by clearing staff. */
ldg_result stl_apply_fail_close(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    uint64_t id, ref;
    if (!ldg_obj_array(payload, 2, &f) || !ldg_obj_u64(&f[0], &id) || !ldg_obj_u64(&f[1], &ref))
        return LDG_R_BAD_PAYLOAD;
    if (ref == 0)
        return STL_R_ZERO_PRICE;
    stl_trade t;
    bool found;
    if (stl_trade_get(c->st, id, &t, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return STL_R_UNKNOWN_TRADE;
    unsigned __int128 ref_value = (unsigned __int128)ref * t.quantity;
    if (ref > STL_AMOUNT_MAX || ref_value > STL_AMOUNT_MAX)
        return STL_R_VALUE_OVERFLOW;
    ldg_result r = closable(c, &t);
    stl_closeout z = {.reference_price = ref, .height = c->env->height};
    if (r == LDG_R_OK)
        r = failing_side(c, &t, &z.failing);
    if (r != LDG_R_OK)
        return r;
    /* The other party's loss at the reference price: a buyer not delivered to must buy
     * dearer; a seller not paid must sell cheaper. Never a gain for the failing party. */
    uint64_t rv = (uint64_t)ref_value;
    if (z.failing == STL_SIDE_SELL) {
        z.compensation = rv > t.value ? rv - t.value : 0;
        z.payer = t.seller, z.payee = t.buyer;
    } else {
        z.compensation = t.value > rv ? t.value - rv : 0;
        z.payer = t.buyer, z.payee = t.seller;
    }
    uint8_t kk = 'K', ck = 'C';
    const uint8_t *v;
    size_t vl;
    if (ldg_state_get(c->st, &kk, 1, &v, &vl, &found) != LDG_OK ||
        ldg_state_get_u64(c->st, &ck, 1, &z.cycle) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found || vl != LDG_ACCOUNT_LEN)
        return STL_R_NO_CCP;
    ldg_account ccp;
    memcpy(ccp.b, v, LDG_ACCOUNT_LEN);
    if (z.compensation) {
        r = ast_move(c, t.currency, &z.payer, &ccp, z.compensation);
        if (r == LDG_R_OK)
            r = ast_move(c, t.currency, &ccp, &z.payee, z.compensation);
        if (r != LDG_R_OK)
            return r;
    }
    uint8_t key[9];
    stl_key_id(key, 'o', 2 * id);
    ldg_state_del(c->st, key, sizeof key);
    stl_key_id(key, 'o', 2 * id + 1);
    ldg_state_del(c->st, key, sizeof key);
    t.status = STL_TRADE_CLOSED;
    stl_trade_put(c->st, &t);
    closeout_put(c->st, id, &z);
    char amt[AST_MONEY_TEXT_LEN], px[AST_MONEY_TEXT_LEN];
    unsigned scale = 0;
    (void)ast_money_currency_scale(t.currency, &scale);
    ldg_txctx_detail(c,
                     "trade %llu closed: the %s failed; cash compensation %s %s at reference "
                     "price %s %s",
                     (unsigned long long)id, z.failing == STL_SIDE_SELL ? "seller" : "buyer",
                     ast_money_format(amt, sizeof amt, (int64_t)z.compensation, scale, true),
                     t.currency, ast_money_format(px, sizeof px, (int64_t)ref, scale, true),
                     t.currency);
    for (int i = 0; i < 8; i++)
        c->data[i] = (uint8_t)(id >> (56 - 8 * i));
    c->data_len = 8;
    return LDG_R_OK;
}
