#include "ast_asset.h"
#include "ast_action.h"
#include "ast_history.h"
#include "ast_isin.h"
#include "ast_money.h"
#include "ast_rules.h"

#include <stdio.h>
#include <string.h>

static const ldg_result_info asset_results[] = {
    {AST_R_UNKNOWN_ASSET, "UNKNOWN_ASSET", "no instrument with this identifier is registered"},
    {AST_R_BAD_ISIN, "BAD_ISIN", "the ISIN is malformed or its check digit is wrong"},
    {AST_R_ASSET_EXISTS, "ASSET_EXISTS", "an instrument with this identifier already exists"},
    {AST_R_ZERO_QUANTITY, "ZERO_QUANTITY", "the quantity must be greater than zero"},
    {AST_R_QUANTITY_TOO_LARGE, "QUANTITY_TOO_LARGE", "the quantity exceeds the ledger's maximum"},
    {AST_R_INSUFFICIENT_BALANCE, "INSUFFICIENT_BALANCE",
     "the sender does not hold enough of the instrument"},
    {AST_R_SELF_TRANSFER, "SELF_TRANSFER", "sender and recipient are the same account"},
    {AST_R_BAD_NAME, "BAD_NAME", "the instrument name is empty or too long"},
    {AST_R_BAD_RISK, "BAD_RISK", "the risk level must be R1 to R5"},
    {AST_R_BAD_CURRENCY, "BAD_CURRENCY", "the currency is not a known ISO 4217 code"},
    {AST_R_CASH_ISSUER, "CASH_ISSUER", "this currency is issued by another settlement bank"},
    {AST_R_NOT_CASH, "NOT_CASH", "the instrument is not a cash token"},
    {AST_R_BAD_TERMS, "BAD_TERMS",
     "the bond terms are invalid (face value, coupon rate, frequency or day count)"},
    {AST_R_BAD_DATES, "BAD_DATES",
     "the dates are inconsistent (maturity not after issue, or record date not before pay date)"},
    {AST_R_BAD_INVESTOR, "BAD_INVESTOR", "the investor category or risk class is out of range"},
    {AST_R_UNSUITABLE, "UNSUITABLE",
     "the instrument's risk level is above the ordinary investor's risk class"},
    {AST_R_KYC_EXPIRED, "KYC_EXPIRED", "the recipient's KYC has expired"},
    {AST_R_NOT_TRANSFERABLE, "NOT_TRANSFERABLE", "the instrument's rules forbid transfers"},
    {AST_R_LOCKED_UP, "LOCKED_UP", "the instrument is in a lock-up period"},
    {AST_R_NOT_ALLOWED, "NOT_ALLOWED", "the recipient is not on the instrument's allow list"},
    {AST_R_MAX_HOLDERS, "MAX_HOLDERS",
     "the transfer would exceed the instrument's maximum number of holders"},
    {AST_R_FROZEN, "FROZEN", "the quantity is frozen by a regulator's order"},
    {AST_R_NOT_ISSUER, "NOT_ISSUER", "only the instrument's issuer may do this"},
    {AST_R_UNKNOWN_PROPOSAL, "UNKNOWN_PROPOSAL", "no force-transfer proposal with this id"},
    {AST_R_SAME_REGULATOR, "SAME_REGULATOR",
     "a force transfer must be approved by a different regulator than its proposer"},
    {AST_R_PROPOSAL_CLOSED, "PROPOSAL_CLOSED", "the proposal has already been executed"},
    {AST_R_WRONG_KIND, "WRONG_KIND", "the action does not apply to this kind of instrument"},
    {AST_R_BAD_RATIO, "BAD_RATIO", "the split ratio must be N:M with N and M above zero"},
    {AST_R_UNKNOWN_ACTION, "UNKNOWN_ACTION", "no corporate action with this id"},
    {AST_R_ACTION_CLOSED, "ACTION_CLOSED", "the action is already completed or cancelled"},
    {AST_R_ACTION_IN_PROGRESS, "ACTION_IN_PROGRESS",
     "the instrument cannot move while a split or its final redemption is applied"},
    {AST_R_NOT_FROZEN, "NOT_FROZEN", "the account has less than this quantity frozen"},
    {AST_R_LIST_TOO_LONG, "LIST_TOO_LONG", "the allow list has too many accounts"},
    {AST_R_UNKNOWN_INVESTOR, "UNKNOWN_INVESTOR", "no investor profile for this account"},
    {AST_R_NO_DISCLOSURE, "NO_DISCLOSURE",
     "the instrument requires a disclosure, and none with the ordinary investor's "
     "acknowledgement is registered on chain"},
};

bool ast_id_key(uint8_t out[AST_ID_LEN], const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > AST_ID_LEN)
        return false;
    memset(out, 0, AST_ID_LEN);
    memcpy(out, id, n);
    return true;
}

char *ast_asset_amount_text(char *out, size_t len, const ast_asset *a, uint64_t q)
{
    char num[AST_MONEY_TEXT_LEN];
    unsigned scale = a->scale <= AST_MONEY_SCALE_MAX ? (unsigned)a->scale : 0;
    ast_money_format(num, sizeof num, (int64_t)q, scale, true);
    snprintf(out, len, "%s %s", num, a->kind == AST_KIND_CASH ? a->currency : a->id);
    return out;
}

char *ast_id_amount_text(char *out, size_t len, const char *id, uint64_t q)
{
    ast_asset a = {.kind = AST_KIND_EQUITY};
    unsigned scale = 0;
    snprintf(a.id, sizeof a.id, "%s", id);
    if (ast_money_currency_scale(id, &scale)) {
        a.kind = AST_KIND_CASH;
        a.scale = scale;
        snprintf(a.currency, sizeof a.currency, "%s", id);
    }
    return ast_asset_amount_text(out, len, &a, q);
}

void ast_asset_put(ldg_state *st, const ast_asset *a)
{
    uint8_t key[1 + AST_ID_LEN] = {'a'};
    LDG_ASSERT(ast_id_key(key + 1, a->id));
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 8);
    ldg_enc_u64(&e, a->kind);
    ldg_enc_str(&e, a->name);
    ldg_enc_bin(&e, a->issuer.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&e, a->supply);
    ldg_enc_u64(&e, a->scale);
    ldg_enc_str(&e, a->share_class);
    ldg_enc_u64(&e, a->risk);
    ldg_enc_str(&e, a->currency);
    ldg_state_put(st, key, sizeof key, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

ldg_err ast_asset_decode(const uint8_t *v, size_t vl, ast_asset *a)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 8, &f) && ldg_obj_u64(&f[0], &a->kind) &&
              ldg_obj_str(&f[1], a->name, LDG_NAME_LEN_MAX, false) &&
              ldg_obj_bin(&f[2], a->issuer.b, LDG_ACCOUNT_LEN) && ldg_obj_u64(&f[3], &a->supply) &&
              ldg_obj_u64(&f[4], &a->scale) &&
              ldg_obj_str(&f[5], a->share_class, sizeof a->share_class - 1, true) &&
              ldg_obj_u64(&f[6], &a->risk) &&
              ldg_obj_str(&f[7], a->currency, sizeof a->currency - 1, true);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ast_asset_get(ldg_state *st, const char *id, ast_asset *out, bool *found)
{
    uint8_t key[1 + AST_ID_LEN] = {'a'};
    *found = false;
    if (!ast_id_key(key + 1, id))
        return LDG_OK;
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, key, sizeof key, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    return ast_asset_decode(v, vl, out);
}

static void balance_key(uint8_t key[1 + AST_ID_LEN + LDG_ACCOUNT_LEN], const char *id,
                        const ldg_account *acct)
{
    key[0] = 'b';
    LDG_ASSERT(ast_id_key(key + 1, id));
    memcpy(key + 1 + AST_ID_LEN, acct->b, LDG_ACCOUNT_LEN);
}

ldg_err ast_balance_get(ldg_state *st, const char *id, const ldg_account *acct, uint64_t *qty)
{
    uint8_t key[1 + AST_ID_LEN + LDG_ACCOUNT_LEN];
    balance_key(key, id, acct);
    return ldg_state_get_u64(st, key, sizeof key, qty);
}

ldg_err ast_holders_get(ldg_state *st, const char *id, uint64_t *count)
{
    uint8_t hkey[1 + AST_ID_LEN] = {'H'};
    if (!ast_id_key(hkey + 1, id))
        return LDG_ERR_INVALID;
    return ldg_state_get_u64(st, hkey, sizeof hkey, count);
}

static const ast_why why_tx = {AST_WHY_TX, NULL, 0};

/* Writes a holding and keeps the holder count in step: the one place a holding changes, so
 * its history is recorded here. Record-date snapshots in progress first keep the holding's
 * value before the change (ast_action.h). */
static void balance_set(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before,
                        uint64_t after, const ast_why *why)
{
    ast_snapshot_cow(st, id, acct, before);
    ast_history_record(st, id, acct, before, after, why ? why : &why_tx);
    uint8_t key[1 + AST_ID_LEN + LDG_ACCOUNT_LEN];
    balance_key(key, id, acct);
    if (after)
        ldg_state_put_u64(st, key, sizeof key, after);
    else
        ldg_state_del(st, key, sizeof key);
    if ((before == 0) == (after == 0))
        return;
    uint8_t hkey[1 + AST_ID_LEN] = {'H'};
    ast_id_key(hkey + 1, id);
    uint64_t holders = 0;
    LDG_ASSERT(ldg_state_get_u64(st, hkey, sizeof hkey, &holders) == LDG_OK);
    holders = after ? holders + 1 : holders - 1;
    if (holders)
        ldg_state_put_u64(st, hkey, sizeof hkey, holders);
    else
        ldg_state_del(st, hkey, sizeof hkey);
}

void ast_holding_set_why(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before,
                         uint64_t after, const ast_why *why)
{
    balance_set(st, id, acct, before, after, why);
}

void ast_holding_set(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before,
                     uint64_t after)
{
    balance_set(st, id, acct, before, after, NULL);
}

ldg_result ast_credit_why(ldg_state *st, const char *id, const ldg_account *to, uint64_t qty,
                          const ast_why *why)
{
    uint64_t bal, next;
    if (ast_balance_get(st, id, to, &bal) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (__builtin_add_overflow(bal, qty, &next) || next > LDG_QUANTITY_MAX)
        return LDG_R_OVERFLOW;
    balance_set(st, id, to, bal, next, why);
    return LDG_R_OK;
}

ldg_result ast_credit(ldg_state *st, const char *id, const ldg_account *to, uint64_t qty)
{
    return ast_credit_why(st, id, to, qty, NULL);
}

ldg_result ast_debit_why(ldg_state *st, const char *id, const ldg_account *from, uint64_t qty,
                         const ast_why *why)
{
    uint64_t bal;
    if (ast_balance_get(st, id, from, &bal) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (bal < qty)
        return AST_R_INSUFFICIENT_BALANCE;
    balance_set(st, id, from, bal, bal - qty, why);
    return LDG_R_OK;
}

ldg_result ast_debit(ldg_state *st, const char *id, const ldg_account *from, uint64_t qty)
{
    return ast_debit_why(st, id, from, qty, NULL);
}

ldg_result ast_move_raw_why(ldg_state *st, const char *id, const ldg_account *from,
                            const ldg_account *to, uint64_t qty, const ast_why *why)
{
    if (qty == 0)
        return AST_R_ZERO_QUANTITY;
    if (memcmp(from->b, to->b, LDG_ACCOUNT_LEN) == 0)
        return AST_R_SELF_TRANSFER;
    uint64_t fb, tb, tnext;
    if (ast_balance_get(st, id, from, &fb) != LDG_OK || ast_balance_get(st, id, to, &tb) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (fb < qty)
        return AST_R_INSUFFICIENT_BALANCE;
    if (__builtin_add_overflow(tb, qty, &tnext) || tnext > LDG_QUANTITY_MAX)
        return LDG_R_OVERFLOW;
    ast_why side = why ? *why : why_tx;
    side.counterparty = to;
    balance_set(st, id, from, fb, fb - qty, &side);
    side.counterparty = from;
    balance_set(st, id, to, tb, tnext, &side);
    return LDG_R_OK;
}

ldg_result ast_move_raw(ldg_state *st, const char *id, const ldg_account *from,
                        const ldg_account *to, uint64_t qty)
{
    return ast_move_raw_why(st, id, from, to, qty, NULL);
}

ldg_result ast_move_why(ldg_txctx *c, const char *id, const ldg_account *from,
                        const ldg_account *to, uint64_t qty, const ast_why *why)
{
    if (qty == 0)
        return AST_R_ZERO_QUANTITY;
    if (qty > LDG_QUANTITY_MAX)
        return AST_R_QUANTITY_TOO_LARGE;
    if (memcmp(from->b, to->b, LDG_ACCOUNT_LEN) == 0)
        return AST_R_SELF_TRANSFER;
    /* Every transfer rule, control and suitability check (ast_rules.h): the same function
     * answers `transfer check`, so the dry run and the real movement cannot disagree. */
    ldg_result r =
        ast_transfer_check(c->st, c->env->time_ms, id, from, to, qty, c->detail, sizeof c->detail);
    if (r != LDG_R_OK)
        return r;
    r = ldg_transfer_hooks_run(c, id, from, to, qty);
    if (r != LDG_R_OK)
        return r;
    return ast_move_raw_why(c->st, id, from, to, qty, why);
}

ldg_result ast_move(ldg_txctx *c, const char *id, const ldg_account *from, const ldg_account *to,
                    uint64_t qty)
{
    return ast_move_why(c, id, from, to, qty, NULL);
}

/* Recipient must be a registered participant: the register names every holder. */
ldg_result ast_require_participant(ldg_txctx *c, const ldg_account *a)
{
    ldg_participant p;
    bool found;
    if (ldg_participant_get(c->st, a, &p, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found) {
        char hex[LDG_ACCOUNT_HEX_LEN];
        ldg_account_hex(hex, a);
        ldg_txctx_detail(c, "account %s is not registered", hex);
        return LDG_R_UNKNOWN_ACCOUNT;
    }
    return LDG_R_OK;
}

/* asset.issue_equity: [isin, name, shares, to, class, risk] */
static ldg_result apply_issue_equity(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    ast_asset a = {.kind = AST_KIND_EQUITY, .scale = 0};
    ldg_account to;
    if (!ldg_obj_array(payload, 6, &f) || !ldg_obj_str(&f[0], a.id, AST_ID_LEN, false) ||
        !ldg_obj_u64(&f[2], &a.supply) || !ldg_obj_bin(&f[3], to.b, LDG_ACCOUNT_LEN) ||
        !ldg_obj_str(&f[4], a.share_class, sizeof a.share_class - 1, true) ||
        !ldg_obj_u64(&f[5], &a.risk))
        return LDG_R_BAD_PAYLOAD;
    if (!ldg_obj_str(&f[1], a.name, LDG_NAME_LEN_MAX, false))
        return AST_R_BAD_NAME;
    if (!ast_isin_valid(a.id))
        return AST_R_BAD_ISIN;
    if (a.risk < 1 || a.risk > 5)
        return AST_R_BAD_RISK;
    if (a.supply == 0)
        return AST_R_ZERO_QUANTITY;
    if (a.supply > LDG_QUANTITY_MAX)
        return AST_R_QUANTITY_TOO_LARGE;
    ast_asset existing;
    bool found;
    if (ast_asset_get(c->st, a.id, &existing, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found)
        return AST_R_ASSET_EXISTS;
    ldg_result r = ast_require_participant(c, &to);
    if (r != LDG_R_OK)
        return r;
    a.issuer = c->sender;
    ast_asset_put(c->st, &a);
    ast_why why = {AST_WHY_ISSUANCE, &c->sender, 0};
    return ast_credit_why(c->st, a.id, &to, a.supply, &why);
}

/* asset.transfer: [id, quantity, to] from the sender's own account. */
static ldg_result apply_transfer(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    char id[AST_ID_LEN + 1];
    uint64_t qty;
    ldg_account to;
    if (!ldg_obj_array(payload, 3, &f) || !ldg_obj_str(&f[0], id, AST_ID_LEN, false) ||
        !ldg_obj_u64(&f[1], &qty) || !ldg_obj_bin(&f[2], to.b, LDG_ACCOUNT_LEN))
        return LDG_R_BAD_PAYLOAD;
    ast_asset a;
    bool found;
    if (ast_asset_get(c->st, id, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return AST_R_UNKNOWN_ASSET;
    ldg_result r = ast_require_participant(c, &to);
    if (r != LDG_R_OK)
        return r;
    return ast_move(c, id, &c->sender, &to, qty);
}

static const ldg_tx_type asset_types[] = {
    {AST_TX_ISSUE_EQUITY, "asset.issue_equity", LDG_ROLE_ISSUER, apply_issue_equity},
    {AST_TX_TRANSFER, "asset.transfer", 0, apply_transfer},
};

void ast_asset_register(ldg_registry *r)
{
    ldg_result_register(asset_results, LDG_ARRAY_LEN(asset_results));
    for (size_t i = 0; i < LDG_ARRAY_LEN(asset_types); i++)
        ldg_registry_add_tx(r, &asset_types[i]);
}
