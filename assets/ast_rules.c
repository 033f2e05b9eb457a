/* Transfer rules, investor profiles, freezes and force transfers (ast_rules.h). */
#include "ast_rules.h"
#include "ast_money.h"
#include "ast_action.h"
#include "ast_date.h"
#include "ast_history.h"
#include "ldg_ev.h"

#include <string.h>

/* ---- keys ---- */

static size_t key_id(uint8_t *k, char sub, const char *id)
{
    k[0] = AST_KEY_NS;
    k[1] = (uint8_t)sub;
    LDG_ASSERT(ast_id_key(k + 2, id));
    return 2 + AST_ID_LEN;
}

static size_t key_frozen(uint8_t *k, const char *id, const ldg_account *a)
{
    size_t n = key_id(k, 'F', id);
    memcpy(k + n, a->b, LDG_ACCOUNT_LEN);
    return n + LDG_ACCOUNT_LEN;
}

static size_t key_investor(uint8_t *k, const ldg_account *a)
{
    k[0] = AST_KEY_NS;
    k[1] = 'I';
    memcpy(k + 2, a->b, LDG_ACCOUNT_LEN);
    return 2 + LDG_ACCOUNT_LEN;
}

static size_t key_proposal(uint8_t *k, uint64_t id)
{
    k[0] = AST_KEY_NS;
    k[1] = 'P';
    for (int i = 0; i < 8; i++)
        k[2 + i] = (uint8_t)(id >> (56 - 8 * i));
    return 10;
}

static bool is_nil(const msgpack_object *o)
{
    return o->type == MSGPACK_OBJECT_NIL;
}

static bool block_date(uint64_t time_ms, int64_t *days)
{
    ast_date d;
    if (ast_date_from_block_time(&d, time_ms) != AST_DATE_OK)
        return false;
    *days = d.days;
    return true;
}

static void date_str(char out[AST_DATE_STR_SIZE], int64_t days)
{
    ast_date d = {(int32_t)days};
    if (ast_date_is_valid(d))
        ast_date_format(out, AST_DATE_STR_SIZE, d);
    else
        snprintf(out, AST_DATE_STR_SIZE, "?");
}

/* ---- records ---- */

static void rules_put(ldg_state *st, const char *id, const ast_rules *r)
{
    uint8_t k[2 + AST_ID_LEN];
    size_t kl = key_id(k, 'R', id);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, r->requires_disclosure ? 5 : 4); /* 4: the form before the flag */
    ldg_enc_u64(&e, r->max_holders);
    if (r->has_lockup)
        ldg_enc_i64(&e, r->lockup_until_days);
    else
        ldg_enc_nil(&e);
    ldg_enc_bool(&e, r->transferable);
    ldg_enc_array(&e, r->allow_count);
    for (uint32_t i = 0; i < r->allow_count; i++)
        ldg_enc_bin(&e, r->allow[i].b, LDG_ACCOUNT_LEN);
    if (r->requires_disclosure)
        ldg_enc_bool(&e, true);
    ldg_state_put(st, k, kl, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

static bool lockup_decode(const msgpack_object *o, ast_rules *r)
{
    if (is_nil(o)) {
        r->has_lockup = false;
        return true;
    }
    r->has_lockup = true;
    return ldg_obj_i64(o, &r->lockup_until_days);
}

static bool allow_decode(const msgpack_object *o, ast_rules *r)
{
    const msgpack_object *items;
    uint32_t n;
    if (!ldg_obj_array_any(o, AST_ALLOW_LIST_MAX, &items, &n))
        return false;
    r->allow_count = n;
    for (uint32_t i = 0; i < n; i++)
        if (!ldg_obj_bin(&items[i], r->allow[i].b, LDG_ACCOUNT_LEN))
            return false;
    return true;
}

ldg_err ast_rules_get(ldg_state *st, const char *id, ast_rules *out, bool *found)
{
    memset(out, 0, offsetof(ast_rules, allow));
    out->transferable = true;
    out->requires_disclosure = false;
    uint8_t k[2 + AST_ID_LEN];
    size_t kl = key_id(k, 'R', id);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, k, kl, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    uint32_t n;
    bool ok =
        ldg_obj_array_any(d.root, 5, &f, &n) && n >= 4 && ldg_obj_u64(&f[0], &out->max_holders) &&
        lockup_decode(&f[1], out) && ldg_obj_bool(&f[2], &out->transferable) &&
        allow_decode(&f[3], out) &&
        (n == 4 || (ldg_obj_bool(&f[4], &out->requires_disclosure) && out->requires_disclosure));
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ast_investor_get(ldg_state *st, const ldg_account *a, ast_investor *out, bool *found)
{
    uint8_t k[2 + LDG_ACCOUNT_LEN];
    size_t kl = key_investor(k, a);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, k, kl, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    return ast_investor_decode(v, vl, out);
}

ldg_err ast_investor_decode(const uint8_t *v, size_t vl, ast_investor *out)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 4, &f) && ldg_obj_u64(&f[0], &out->category) &&
              ldg_obj_u64(&f[1], &out->risk_class) && ldg_obj_i64(&f[2], &out->kyc_expiry_days) &&
              ldg_obj_u64(&f[3], &out->height);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ast_frozen_get(ldg_state *st, const char *id, const ldg_account *a, uint64_t *qty)
{
    uint8_t k[2 + AST_ID_LEN + LDG_ACCOUNT_LEN];
    size_t kl = key_frozen(k, id, a);
    const uint8_t *v;
    size_t vl;
    bool found;
    *qty = 0;
    ldg_err err = ldg_state_get(st, k, kl, &v, &vl, &found);
    if (err != LDG_OK || !found)
        return err;
    uint8_t order[32];
    return ast_frozen_decode(v, vl, qty, order);
}

ldg_err ast_frozen_decode(const uint8_t *v, size_t vl, uint64_t *qty, uint8_t order[32])
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok =
        ldg_obj_array(d.root, 2, &f) && ldg_obj_u64(&f[0], qty) && ldg_obj_bin(&f[1], order, 32);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

static void frozen_put(ldg_state *st, const char *id, const ldg_account *a, uint64_t qty,
                       const uint8_t order[32])
{
    uint8_t k[2 + AST_ID_LEN + LDG_ACCOUNT_LEN];
    size_t kl = key_frozen(k, id, a);
    if (qty == 0) {
        ldg_state_del(st, k, kl);
        return;
    }
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, qty);
    ldg_enc_bin(&e, order, 32);
    ldg_state_put(st, k, kl, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

static ldg_err frozen_order(ldg_state *st, const char *id, const ldg_account *a, uint8_t order[32])
{
    uint8_t k[2 + AST_ID_LEN + LDG_ACCOUNT_LEN];
    size_t kl = key_frozen(k, id, a);
    const uint8_t *v;
    size_t vl;
    bool found;
    memset(order, 0, 32);
    ldg_err err = ldg_state_get(st, k, kl, &v, &vl, &found);
    if (err != LDG_OK || !found)
        return err;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 2, &f) && ldg_obj_bin(&f[1], order, 32);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

void ast_frozen_scale(ldg_state *st, const char *id, const ldg_account *a, uint64_t n, uint64_t m)
{
    uint64_t q;
    uint8_t order[32];
    if (ast_frozen_get(st, id, a, &q) != LDG_OK || q == 0 ||
        frozen_order(st, id, a, order) != LDG_OK)
        return;
    frozen_put(st, id, a, (uint64_t)((unsigned __int128)q * n / m), order);
}

/* ---- the check ---- */

#define DETAIL(...)                                                                                \
    do {                                                                                           \
        if (detail)                                                                                \
            snprintf(detail, detail_len, __VA_ARGS__);                                             \
    } while (0)

/* The instrument-level rules, after balances and freezes. */
static ldg_result check_rules(ldg_state *st, int64_t today, const char *id, const ldg_account *to,
                              uint64_t fb, uint64_t qty, bool *disclosure, char *detail,
                              size_t detail_len)
{
    ast_rules r;
    bool found;
    if (ast_rules_get(st, id, &r, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return LDG_R_OK;
    *disclosure = r.requires_disclosure;
    if (!r.transferable) {
        DETAIL("%s is not transferable", id);
        return AST_R_NOT_TRANSFERABLE;
    }
    if (r.has_lockup && today < r.lockup_until_days) {
        char ds[AST_DATE_STR_SIZE];
        date_str(ds, r.lockup_until_days);
        DETAIL("%s is locked up until %s", id, ds);
        return AST_R_LOCKED_UP;
    }
    if (r.allow_count) {
        bool listed = false;
        for (uint32_t i = 0; i < r.allow_count && !listed; i++)
            listed = !memcmp(r.allow[i].b, to->b, LDG_ACCOUNT_LEN);
        if (!listed) {
            char hex[LDG_ACCOUNT_HEX_LEN];
            ldg_account_hex(hex, to);
            DETAIL("%s is not on the allow list of %s", hex, id);
            return AST_R_NOT_ALLOWED;
        }
    }
    if (r.max_holders) {
        uint64_t tb, holders;
        if (ast_balance_get(st, id, to, &tb) != LDG_OK ||
            ast_holders_get(st, id, &holders) != LDG_OK)
            return LDG_R_STORE_FAILED;
        uint64_t after = holders + (tb == 0) - (fb == qty);
        if (after > r.max_holders) {
            DETAIL("%s would have %llu holders, at most %llu allowed", id,
                   (unsigned long long)after, (unsigned long long)r.max_holders);
            return AST_R_MAX_HOLDERS;
        }
    }
    return LDG_R_OK;
}

/* An instrument that requires a disclosure: the ordinary investor's disclosure and
 * acknowledgement must be registered by the evidence module (specs/evidence.md §10). */
static ldg_result check_disclosure(ldg_state *st, const ast_asset *a, const ldg_account *to,
                                   char *detail, size_t detail_len)
{
    bool found;
    if (ldg_ev_disclosure_get(st, to, a->id, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found)
        return LDG_R_OK;
    char hex[LDG_ACCOUNT_HEX_LEN];
    ldg_account_hex(hex, to);
    DETAIL("%s requires a disclosure: none is registered for the ordinary investor %s (folio "
           "evidence disclose)",
           a->id, hex);
    return AST_R_NO_DISCLOSURE;
}

/* Suitability applies to accounts with an investor profile (specs/assets.md). */
static ldg_result check_investor(ldg_state *st, int64_t today, const ast_asset *a,
                                 const ldg_account *to, bool disclosure, char *detail,
                                 size_t detail_len)
{
    ast_investor inv;
    bool found;
    if (ast_investor_get(st, to, &inv, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return LDG_R_OK;
    if (inv.kyc_expiry_days < today) {
        char ds[AST_DATE_STR_SIZE];
        date_str(ds, inv.kyc_expiry_days);
        DETAIL("the recipient's KYC expired on %s", ds);
        return AST_R_KYC_EXPIRED;
    }
    if (inv.category == AST_INVESTOR_ORDINARY && a->risk > inv.risk_class) {
        DETAIL("%s is R%llu, the ordinary investor is C%llu", a->id, (unsigned long long)a->risk,
               (unsigned long long)inv.risk_class);
        return AST_R_UNSUITABLE;
    }
    return disclosure && inv.category == AST_INVESTOR_ORDINARY
               ? check_disclosure(st, a, to, detail, detail_len)
               : LDG_R_OK;
}

ldg_result ast_transfer_check(ldg_state *st, uint64_t time_ms, const char *id,
                              const ldg_account *from, const ldg_account *to, uint64_t qty,
                              char *detail, size_t detail_len)
{
    ast_asset a;
    bool found;
    if (ast_asset_get(st, id, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found) {
        DETAIL("no instrument %s", id);
        return AST_R_UNKNOWN_ASSET;
    }
    if (qty == 0)
        return AST_R_ZERO_QUANTITY;
    if (qty > LDG_QUANTITY_MAX)
        return AST_R_QUANTITY_TOO_LARGE;
    if (!memcmp(from->b, to->b, LDG_ACCOUNT_LEN))
        return AST_R_SELF_TRANSFER;
    uint64_t lock, fb, frozen;
    if (ast_action_lock_get(st, id, &lock) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (lock) {
        DETAIL("corporate action %llu is being applied to %s", (unsigned long long)lock, id);
        return AST_R_ACTION_IN_PROGRESS;
    }
    if (ast_balance_get(st, id, from, &fb) != LDG_OK ||
        ast_frozen_get(st, id, from, &frozen) != LDG_OK)
        return LDG_R_STORE_FAILED;
    char x[AST_MONEY_TEXT_LEN + AST_ID_LEN + 2], y[sizeof x];
    if (fb < qty) {
        DETAIL("holds %s, needs %s", ast_asset_amount_text(x, sizeof x, &a, fb),
               ast_asset_amount_text(y, sizeof y, &a, qty));
        return AST_R_INSUFFICIENT_BALANCE;
    }
    if (fb - qty < frozen) {
        DETAIL("%s frozen, %s free", ast_asset_amount_text(x, sizeof x, &a, frozen),
               ast_asset_amount_text(y, sizeof y, &a, fb > frozen ? fb - frozen : 0));
        return AST_R_FROZEN;
    }
    if (a.kind == AST_KIND_CASH)
        return LDG_R_OK;
    int64_t today;
    if (!block_date(time_ms, &today))
        return LDG_R_STORE_FAILED;
    bool disclosure = false;
    ldg_result r = check_rules(st, today, id, to, fb, qty, &disclosure, detail, detail_len);
    if (r != LDG_R_OK)
        return r;
    return check_investor(st, today, &a, to, disclosure, detail, detail_len);
}

/* ---- transactions ---- */

static ldg_result need_asset(ldg_txctx *c, const char *id, ast_asset *a)
{
    bool found;
    if (ast_asset_get(c->st, id, a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found) {
        ldg_txctx_detail(c, "no instrument %s", id);
        return AST_R_UNKNOWN_ASSET;
    }
    return LDG_R_OK;
}

/* asset.rules_set: [isin, max_holders|nil, lockup days i64|false|nil, transferable|nil,
 * allow list|nil(, requires_disclosure bool|nil)]; nil keeps the current value, false clears
 * the lock-up. */
static ldg_result apply_rules_set(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    uint32_t nf;
    char id[AST_ID_LEN + 1];
    if (!ldg_obj_array_any(payload, 6, &f, &nf) || nf < 5 ||
        !ldg_obj_str(&f[0], id, AST_ID_LEN, false))
        return LDG_R_BAD_PAYLOAD;
    ast_asset a;
    ldg_result res = need_asset(c, id, &a);
    if (res != LDG_R_OK)
        return res;
    if (memcmp(a.issuer.b, c->sender.b, LDG_ACCOUNT_LEN) && !(c->sender_roles & LDG_ROLE_REGULATOR))
        return AST_R_NOT_ISSUER;
    if (a.kind == AST_KIND_CASH)
        return AST_R_WRONG_KIND;
    static ast_rules r; /* ~21 KiB: kept off the stack; the executor is single-threaded */
    bool found;
    if (ast_rules_get(c->st, id, &r, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    bool flag;
    if (!is_nil(&f[1]) && !ldg_obj_u64(&f[1], &r.max_holders))
        return LDG_R_BAD_PAYLOAD;
    if (f[2].type == MSGPACK_OBJECT_BOOLEAN) {
        if (!ldg_obj_bool(&f[2], &flag) || flag)
            return LDG_R_BAD_PAYLOAD;
        r.has_lockup = false;
    } else if (!is_nil(&f[2])) {
        if (!ldg_obj_i64(&f[2], &r.lockup_until_days) ||
            !ast_date_is_valid((ast_date){(int32_t)r.lockup_until_days}) ||
            r.lockup_until_days != (int32_t)r.lockup_until_days)
            return AST_R_BAD_DATES;
        r.has_lockup = true;
    }
    if (!is_nil(&f[3]) && !ldg_obj_bool(&f[3], &r.transferable))
        return LDG_R_BAD_PAYLOAD;
    if (!is_nil(&f[4])) {
        uint32_t n;
        const msgpack_object *items;
        if (f[4].type == MSGPACK_OBJECT_ARRAY && f[4].via.array.size > AST_ALLOW_LIST_MAX)
            return AST_R_LIST_TOO_LONG;
        if (!ldg_obj_array_any(&f[4], AST_ALLOW_LIST_MAX, &items, &n) || !allow_decode(&f[4], &r))
            return LDG_R_BAD_PAYLOAD;
    }
    if (nf == 6 && !is_nil(&f[5]) && !ldg_obj_bool(&f[5], &r.requires_disclosure))
        return LDG_R_BAD_PAYLOAD;
    rules_put(c->st, id, &r);
    return LDG_R_OK;
}

/* investor.register: [account, category, risk class, kyc expiry days i64] */
static ldg_result apply_investor(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    ldg_account acct;
    ast_investor inv = {.height = c->env->height};
    if (!ldg_obj_array(payload, 4, &f) || !ldg_obj_bin(&f[0], acct.b, LDG_ACCOUNT_LEN) ||
        !ldg_obj_u64(&f[1], &inv.category) || !ldg_obj_u64(&f[2], &inv.risk_class) ||
        !ldg_obj_i64(&f[3], &inv.kyc_expiry_days))
        return LDG_R_BAD_PAYLOAD;
    if ((inv.category != AST_INVESTOR_PROFESSIONAL && inv.category != AST_INVESTOR_ORDINARY) ||
        inv.risk_class < 1 || inv.risk_class > 5)
        return AST_R_BAD_INVESTOR;
    if (inv.kyc_expiry_days != (int32_t)inv.kyc_expiry_days ||
        !ast_date_is_valid((ast_date){(int32_t)inv.kyc_expiry_days}))
        return AST_R_BAD_DATES;
    ldg_result r = ast_require_participant(c, &acct);
    if (r != LDG_R_OK)
        return r;
    uint8_t k[2 + LDG_ACCOUNT_LEN];
    size_t kl = key_investor(k, &acct);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_u64(&e, inv.category);
    ldg_enc_u64(&e, inv.risk_class);
    ldg_enc_i64(&e, inv.kyc_expiry_days);
    ldg_enc_u64(&e, inv.height);
    ldg_state_put(c->st, k, kl, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
    return LDG_R_OK;
}

/* control.freeze / control.unfreeze: [isin, account, quantity, order sha256]; unfreeze
 * quantity 0 releases everything. A freeze adds to what is frozen, up to the holding. */
static ldg_result apply_freeze_common(ldg_txctx *c, const msgpack_object *payload, bool freeze)
{
    const msgpack_object *f;
    char id[AST_ID_LEN + 1];
    ldg_account acct;
    uint64_t qty, frozen, bal;
    uint8_t order[32];
    if (!ldg_obj_array(payload, 4, &f) || !ldg_obj_str(&f[0], id, AST_ID_LEN, false) ||
        !ldg_obj_bin(&f[1], acct.b, LDG_ACCOUNT_LEN) || !ldg_obj_u64(&f[2], &qty) ||
        !ldg_obj_bin(&f[3], order, 32))
        return LDG_R_BAD_PAYLOAD;
    ast_asset a;
    ldg_result res = need_asset(c, id, &a);
    if (res != LDG_R_OK)
        return res;
    if (ast_frozen_get(c->st, id, &acct, &frozen) != LDG_OK ||
        ast_balance_get(c->st, id, &acct, &bal) != LDG_OK)
        return LDG_R_STORE_FAILED;
    char x[AST_MONEY_TEXT_LEN + AST_ID_LEN + 2], y[sizeof x];
    if (freeze) {
        if (qty == 0)
            return AST_R_ZERO_QUANTITY;
        if (qty > bal || frozen > bal - qty) {
            ldg_txctx_detail(c, "holds %s, %s already frozen",
                             ast_asset_amount_text(x, sizeof x, &a, bal),
                             ast_asset_amount_text(y, sizeof y, &a, frozen));
            return AST_R_INSUFFICIENT_BALANCE;
        }
        frozen_put(c->st, id, &acct, frozen + qty, order);
    } else {
        if (qty == 0)
            qty = frozen;
        if (qty == 0 || qty > frozen) {
            ldg_txctx_detail(c, "%s frozen", ast_asset_amount_text(x, sizeof x, &a, frozen));
            return AST_R_NOT_FROZEN;
        }
        frozen_put(c->st, id, &acct, frozen - qty, order);
    }
    if (freeze) { /* who placed the freeze (control list) */
        ast_control_event ev = {.freeze = true, .quantity = qty, .regulator = c->sender};
        memcpy(ev.order, order, 32);
        ast_history_control(c->st, id, &acct, &ev);
    }
    char hex[65];
    ldg_hex_encode(hex, order, 32);
    ldg_txctx_detail(c, "%s %s, order %s", freeze ? "frozen" : "unfrozen",
                     ast_asset_amount_text(x, sizeof x, &a, qty), hex);
    return LDG_R_OK;
}

static ldg_result apply_freeze(ldg_txctx *c, const msgpack_object *payload)
{
    return apply_freeze_common(c, payload, true);
}

static ldg_result apply_unfreeze(ldg_txctx *c, const msgpack_object *payload)
{
    return apply_freeze_common(c, payload, false);
}

typedef ast_proposal proposal;
enum { PROPOSAL_PENDING = AST_PROPOSAL_PENDING, PROPOSAL_EXECUTED = AST_PROPOSAL_EXECUTED };

static void proposal_put(ldg_state *st, uint64_t id, const proposal *p)
{
    uint8_t k[10];
    key_proposal(k, id);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 9);
    ldg_enc_str(&e, p->isin);
    ldg_enc_u64(&e, p->qty);
    ldg_enc_bin(&e, p->from.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, p->to.b, LDG_ACCOUNT_LEN);
    ldg_enc_bin(&e, p->order, 32);
    ldg_enc_bin(&e, p->proposer.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&e, p->status);
    ldg_enc_bin(&e, p->approver.b, LDG_ACCOUNT_LEN);
    ldg_enc_u64(&e, p->height);
    ldg_state_put(st, k, sizeof k, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

static ldg_err proposal_get(ldg_state *st, uint64_t id, proposal *p, bool *found)
{
    uint8_t k[10];
    key_proposal(k, id);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, k, sizeof k, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    return ast_proposal_decode(v, vl, p);
}

ldg_err ast_proposal_decode(const uint8_t *v, size_t vl, ast_proposal *p)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    bool ok = ldg_obj_array(d.root, 9, &f) && ldg_obj_str(&f[0], p->isin, AST_ID_LEN, false) &&
              ldg_obj_u64(&f[1], &p->qty) && ldg_obj_bin(&f[2], p->from.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_bin(&f[3], p->to.b, LDG_ACCOUNT_LEN) && ldg_obj_bin(&f[4], p->order, 32) &&
              ldg_obj_bin(&f[5], p->proposer.b, LDG_ACCOUNT_LEN) &&
              ldg_obj_u64(&f[6], &p->status) &&
              ldg_obj_bin(&f[7], p->approver.b, LDG_ACCOUNT_LEN) && ldg_obj_u64(&f[8], &p->height);
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

static void put_id(ldg_txctx *c, uint64_t id)
{
    for (int i = 0; i < 8; i++)
        c->data[i] = (uint8_t)(id >> (56 - 8 * i));
    c->data_len = 8;
}

/* control.force_transfer: [isin, quantity, from, to, order sha256]. Records a proposal;
 * nothing moves until a second regulator approves it. */
static ldg_result apply_force_propose(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    proposal p = {.status = PROPOSAL_PENDING, .height = c->env->height};
    if (!ldg_obj_array(payload, 5, &f) || !ldg_obj_str(&f[0], p.isin, AST_ID_LEN, false) ||
        !ldg_obj_u64(&f[1], &p.qty) || !ldg_obj_bin(&f[2], p.from.b, LDG_ACCOUNT_LEN) ||
        !ldg_obj_bin(&f[3], p.to.b, LDG_ACCOUNT_LEN) || !ldg_obj_bin(&f[4], p.order, 32))
        return LDG_R_BAD_PAYLOAD;
    ast_asset a;
    ldg_result res = need_asset(c, p.isin, &a);
    if (res != LDG_R_OK)
        return res;
    if (p.qty == 0)
        return AST_R_ZERO_QUANTITY;
    if (p.qty > LDG_QUANTITY_MAX)
        return AST_R_QUANTITY_TOO_LARGE;
    if (!memcmp(p.from.b, p.to.b, LDG_ACCOUNT_LEN))
        return AST_R_SELF_TRANSFER;
    res = ast_require_participant(c, &p.to);
    if (res != LDG_R_OK)
        return res;
    p.proposer = c->sender;
    uint8_t nk[3] = {AST_KEY_NS, 'N', 'P'};
    uint64_t id;
    if (ldg_state_get_u64(c->st, nk, sizeof nk, &id) != LDG_OK)
        return LDG_R_STORE_FAILED;
    id++;
    ldg_state_put_u64(c->st, nk, sizeof nk, id);
    proposal_put(c->st, id, &p);
    put_id(c, id);
    ldg_txctx_detail(c, "force transfer %llu proposed; needs the approval of another regulator",
                     (unsigned long long)id);
    return LDG_R_OK;
}

/* control.approve: [proposal id]. A second, different regulator executes the transfer,
 * which bypasses the transfer rules and freezes (it is a legal order) but not balances. */
static ldg_result apply_force_approve(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    uint64_t id;
    if (!ldg_obj_array(payload, 1, &f) || !ldg_obj_u64(&f[0], &id))
        return LDG_R_BAD_PAYLOAD;
    proposal p;
    bool found;
    if (proposal_get(c->st, id, &p, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return AST_R_UNKNOWN_PROPOSAL;
    if (p.status != PROPOSAL_PENDING)
        return AST_R_PROPOSAL_CLOSED;
    if (!memcmp(p.proposer.b, c->sender.b, LDG_ACCOUNT_LEN))
        return AST_R_SAME_REGULATOR;
    uint64_t lock, fb, frozen;
    if (ast_action_lock_get(c->st, p.isin, &lock) != LDG_OK ||
        ast_balance_get(c->st, p.isin, &p.from, &fb) != LDG_OK ||
        ast_frozen_get(c->st, p.isin, &p.from, &frozen) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (lock)
        return AST_R_ACTION_IN_PROGRESS;
    ast_why why = {AST_WHY_FORCED_TRANSFER, NULL, id};
    ldg_result r = ast_move_raw_why(c->st, p.isin, &p.from, &p.to, p.qty, &why);
    if (r != LDG_R_OK) {
        if (r == AST_R_INSUFFICIENT_BALANCE) {
            char x[AST_MONEY_TEXT_LEN + AST_ID_LEN + 2], y[sizeof x];
            ldg_txctx_detail(c, "holds %s, needs %s", ast_id_amount_text(x, sizeof x, p.isin, fb),
                             ast_id_amount_text(y, sizeof y, p.isin, p.qty));
        }
        return r;
    }
    /* What stays frozen cannot exceed what is left. */
    if (frozen > fb - p.qty) {
        uint8_t order[32];
        if (frozen_order(c->st, p.isin, &p.from, order) != LDG_OK)
            return LDG_R_STORE_FAILED;
        frozen_put(c->st, p.isin, &p.from, fb - p.qty, order);
    }
    p.status = PROPOSAL_EXECUTED;
    p.approver = c->sender;
    proposal_put(c->st, id, &p);
    char hex[65];
    ldg_hex_encode(hex, p.order, 32);
    ldg_txctx_detail(c, "force transfer %llu executed, order %s", (unsigned long long)id, hex);
    return LDG_R_OK;
}

static const ldg_tx_type rules_types[] = {
    {AST_TX_INVESTOR, "investor.register", LDG_ROLE_BROKER | LDG_ROLE_REGISTRAR, apply_investor},
    {AST_TX_RULES_SET, "asset.rules_set", LDG_ROLE_ISSUER | LDG_ROLE_REGULATOR, apply_rules_set},
    {AST_TX_FREEZE, "control.freeze", LDG_ROLE_REGULATOR, apply_freeze},
    {AST_TX_UNFREEZE, "control.unfreeze", LDG_ROLE_REGULATOR, apply_unfreeze},
    {AST_TX_FORCE_PROPOSE, "control.force_transfer", LDG_ROLE_REGULATOR, apply_force_propose},
    {AST_TX_FORCE_APPROVE, "control.approve", LDG_ROLE_REGULATOR, apply_force_approve},
};

void ast_rules_register(ldg_registry *r)
{
    for (size_t i = 0; i < LDG_ARRAY_LEN(rules_types); i++)
        ldg_registry_add_tx(r, &rules_types[i]);
}
