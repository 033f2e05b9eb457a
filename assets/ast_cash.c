/* Cash tokens: issued by a settlement bank against deposits, redeemed back to it.
 * The instrument id is the ISO 4217 code; the scale is the currency's minor-unit
 * exponent. One settlement bank issues a currency (the first to issue it); issuing more
 * grows the supply. Redemption retires the holder's tokens: the bank pays out off-ledger
 * and the supply shrinks, so supply == sum of holdings always. */
#include "ast_asset.h"
#include "ast_cash.h"
#include "ast_money.h"
#include "ast_isin.h"
#include "ast_rules.h"

#include <string.h>

static ldg_result decode_currency(const msgpack_object *o, char cur[4], const ast_currency **info)
{
    if (!ldg_obj_str(o, cur, 3, false))
        return AST_R_BAD_CURRENCY;
    if (ast_currency_lookup(info, cur, strlen(cur)) != AST_ISIN_OK)
        return AST_R_BAD_CURRENCY;
    return LDG_R_OK;
}

/* asset.issue_cash: [currency, amount, to] */
static ldg_result apply_issue_cash(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    char cur[4];
    uint64_t amount;
    ldg_account to;
    if (!ldg_obj_array(payload, 3, &f) || !ldg_obj_u64(&f[1], &amount) ||
        !ldg_obj_bin(&f[2], to.b, LDG_ACCOUNT_LEN))
        return LDG_R_BAD_PAYLOAD;
    const ast_currency *info;
    ldg_result r = decode_currency(&f[0], cur, &info);
    if (r != LDG_R_OK)
        return r;
    if (amount == 0)
        return AST_R_ZERO_QUANTITY;
    if (amount > LDG_QUANTITY_MAX)
        return AST_R_QUANTITY_TOO_LARGE;
    r = ast_require_participant(c, &to);
    if (r != LDG_R_OK)
        return r;
    ast_asset a;
    bool found;
    if (ast_asset_get(c->st, cur, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found && a.kind != AST_KIND_CASH)
        return AST_R_ASSET_EXISTS;
    if (found && memcmp(a.issuer.b, c->sender.b, LDG_ACCOUNT_LEN) != 0)
        return AST_R_CASH_ISSUER;
    if (!found) {
        memset(&a, 0, sizeof a);
        snprintf(a.id, sizeof a.id, "%s", cur);
        snprintf(a.name, sizeof a.name, "%s cash", cur);
        snprintf(a.currency, sizeof a.currency, "%s", cur);
        a.kind = AST_KIND_CASH;
        a.issuer = c->sender;
        a.scale = info->minor_exponent;
        a.risk = 1;
    }
    if (__builtin_add_overflow(a.supply, amount, &a.supply) || a.supply > LDG_QUANTITY_MAX)
        return LDG_R_OVERFLOW;
    ast_asset_put(c->st, &a);
    return ast_credit(c->st, cur, &to, amount);
}

/* asset.redeem_cash: [currency, amount] from the sender's own holding. */
static ldg_result apply_redeem_cash(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    char cur[4];
    uint64_t amount;
    if (!ldg_obj_array(payload, 2, &f) || !ldg_obj_u64(&f[1], &amount))
        return LDG_R_BAD_PAYLOAD;
    const ast_currency *info;
    ldg_result r = decode_currency(&f[0], cur, &info);
    if (r != LDG_R_OK)
        return r;
    if (amount == 0)
        return AST_R_ZERO_QUANTITY;
    ast_asset a;
    bool found;
    if (ast_asset_get(c->st, cur, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return AST_R_UNKNOWN_ASSET;
    if (a.kind != AST_KIND_CASH)
        return AST_R_NOT_CASH;
    uint64_t bal, frozen;
    if (ast_balance_get(c->st, cur, &c->sender, &bal) != LDG_OK ||
        ast_frozen_get(c->st, cur, &c->sender, &frozen) != LDG_OK)
        return LDG_R_STORE_FAILED;
    char x[AST_MONEY_TEXT_LEN + 8], y[AST_MONEY_TEXT_LEN + 8];
    if (bal < amount) {
        ldg_txctx_detail(c, "holds %s, needs %s", ast_asset_amount_text(x, sizeof x, &a, bal),
                         ast_asset_amount_text(y, sizeof y, &a, amount));
        return AST_R_INSUFFICIENT_BALANCE;
    }
    if (bal - amount < frozen) {
        ldg_txctx_detail(c, "%s frozen", ast_asset_amount_text(x, sizeof x, &a, frozen));
        return AST_R_FROZEN;
    }
    r = ast_debit(c->st, cur, &c->sender, amount);
    if (r != LDG_R_OK)
        return r;
    LDG_ASSERT(a.supply >= amount);
    a.supply -= amount;
    ast_asset_put(c->st, &a);
    char hex[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(hex, &a.issuer);
    ldg_txctx_detail(c, "%s retired by settlement bank %s",
                     ast_asset_amount_text(x, sizeof x, &a, amount), hex);
    return LDG_R_OK;
}

static const ldg_tx_type cash_types[] = {
    {AST_TX_ISSUE_CASH, "asset.issue_cash", LDG_ROLE_SETTLEMENT_BANK, apply_issue_cash},
    {AST_TX_REDEEM_CASH, "asset.redeem_cash", 0, apply_redeem_cash},
};

void ast_cash_register(ldg_registry *r)
{
    for (size_t i = 0; i < LDG_ARRAY_LEN(cash_types); i++)
        ldg_registry_add_tx(r, &cash_types[i]);
}
