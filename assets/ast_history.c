/* The history of movements and controls (ast_history.h). */
#include "ast_history.h"

#include <string.h>

static const char *const why_names[] = {
    [AST_WHY_TX] = "other",
    [AST_WHY_TRANSFER] = "transfer",
    [AST_WHY_SETTLEMENT] = "settlement",
    [AST_WHY_DIVIDEND] = "dividend",
    [AST_WHY_COUPON] = "coupon",
    [AST_WHY_SPLIT] = "split",
    [AST_WHY_FORCED_TRANSFER] = "forced_transfer",
    [AST_WHY_ISSUANCE] = "issuance",
    [AST_WHY_REDEMPTION] = "redemption",
    [AST_WHY_BUY_IN] = "buy_in",
    [AST_WHY_CONTRACT] = "contract",
    [AST_WHY_OTHER] = "other",
};

const char *ast_why_name(uint64_t reason)
{
    return reason < LDG_ARRAY_LEN(why_names) ? why_names[reason] : "other";
}

/* Transaction types by module range (ldg_exec.h): settlement 50..89, contract VM 90..119. */
uint64_t ast_why_of_tx_type(uint64_t type)
{
    switch (type) {
    case AST_TX_ISSUE_EQUITY:
    case AST_TX_ISSUE_CASH:
    case AST_TX_ISSUE_BOND:
        return AST_WHY_ISSUANCE;
    case AST_TX_TRANSFER:
        return AST_WHY_TRANSFER;
    case AST_TX_REDEEM_CASH:
        return AST_WHY_REDEMPTION;
    case AST_TX_FORCE_APPROVE:
        return AST_WHY_FORCED_TRANSFER;
    default:
        break;
    }
    if (type >= 50 && type <= 89)
        return AST_WHY_SETTLEMENT;
    if (type >= 90 && type <= 119)
        return AST_WHY_CONTRACT;
    return AST_WHY_OTHER;
}

size_t ast_history_prefix_account(uint8_t out[1 + LDG_ACCOUNT_LEN], const ldg_account *a)
{
    out[0] = AST_HISTORY_KEY_ACCOUNT;
    memcpy(out + 1, a->b, LDG_ACCOUNT_LEN);
    return 1 + LDG_ACCOUNT_LEN;
}

size_t ast_history_prefix_instrument(uint8_t out[1 + LDG_ACCOUNT_LEN + AST_ID_LEN],
                                     const ldg_account *a, const char *id)
{
    out[0] = AST_HISTORY_KEY_INSTRUMENT;
    memcpy(out + 1, a->b, LDG_ACCOUNT_LEN);
    LDG_ASSERT(ast_id_key(out + 1 + LDG_ACCOUNT_LEN, id));
    return 1 + LDG_ACCOUNT_LEN + AST_ID_LEN;
}

size_t ast_history_key_freeze(uint8_t out[1 + AST_ID_LEN + LDG_ACCOUNT_LEN], const char *id,
                              const ldg_account *a)
{
    out[0] = AST_HISTORY_KEY_FREEZE;
    LDG_ASSERT(ast_id_key(out + 1, id));
    memcpy(out + 1 + AST_ID_LEN, a->b, LDG_ACCOUNT_LEN);
    return 1 + AST_ID_LEN + LDG_ACCOUNT_LEN;
}

/* [reason, id, account, counterparty|nil, in, out, balance, ref] */
void ast_history_record(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before,
                        uint64_t after, const ast_why *why)
{
    if (before == after)
        return;
    const ldg_note_origin *o = ldg_state_origin(st);
    uint64_t reason = why->reason;
    if (reason == AST_WHY_TX)
        reason = o->in_tx ? ast_why_of_tx_type(o->type) : AST_WHY_OTHER;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 8);
    ldg_enc_u64(&e, reason);
    ldg_enc_str(&e, id);
    ldg_enc_bin(&e, acct->b, LDG_ACCOUNT_LEN);
    if (why->counterparty)
        ldg_enc_bin(&e, why->counterparty->b, LDG_ACCOUNT_LEN);
    else
        ldg_enc_nil(&e);
    ldg_enc_u64(&e, after > before ? after - before : 0);
    ldg_enc_u64(&e, after < before ? before - after : 0);
    ldg_enc_u64(&e, after);
    ldg_enc_u64(&e, why->ref);
    uint8_t ka[1 + LDG_ACCOUNT_LEN], ki[1 + LDG_ACCOUNT_LEN + AST_ID_LEN];
    ldg_note_key keys[2] = {
        {ka, ast_history_prefix_account(ka, acct), true},
        {ki, ast_history_prefix_instrument(ki, acct, id), true},
    };
    ldg_state_note(st, keys, 2, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

/* [freeze bool, quantity, order, regulator] */
void ast_history_control(ldg_state *st, const char *id, const ldg_account *acct,
                         const ast_control_event *ev)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_bool(&e, ev->freeze);
    ldg_enc_u64(&e, ev->quantity);
    ldg_enc_bin(&e, ev->order, 32);
    ldg_enc_bin(&e, ev->regulator.b, LDG_ACCOUNT_LEN);
    uint8_t k[1 + AST_ID_LEN + LDG_ACCOUNT_LEN];
    ldg_note_key key = {k, ast_history_key_freeze(k, id, acct), false};
    ldg_state_note(st, &key, 1, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

ldg_err ast_movement_decode(const uint8_t *v, size_t vl, ast_movement *m)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    memset(m, 0, sizeof *m);
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 8, &f) && ldg_obj_u64(&f[0], &m->reason) &&
              ldg_obj_str(&f[1], m->id, AST_ID_LEN, false) &&
              ldg_obj_bin(&f[2], m->account.b, LDG_ACCOUNT_LEN) &&
              (f[3].type == MSGPACK_OBJECT_NIL ||
               (m->has_counterparty = ldg_obj_bin(&f[3], m->counterparty.b, LDG_ACCOUNT_LEN))) &&
              ldg_obj_u64(&f[4], &m->in) && ldg_obj_u64(&f[5], &m->out) &&
              ldg_obj_u64(&f[6], &m->balance) && ldg_obj_u64(&f[7], &m->ref);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ast_control_decode(const uint8_t *v, size_t vl, ast_control_event *ev)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    memset(ev, 0, sizeof *ev);
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 4, &f) && f[0].type == MSGPACK_OBJECT_BOOLEAN &&
              ldg_obj_u64(&f[1], &ev->quantity) && ldg_obj_bin(&f[2], ev->order, 32) &&
              ldg_obj_bin(&f[3], ev->regulator.b, LDG_ACCOUNT_LEN);
    if (ok)
        ev->freeze = f[0].via.boolean;
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}
