/* Bond issuance (asset.issue_bond) and the stored terms the coupon actions read. */
#include "ast_action.h"
#include "ast_bond.h"
#include "ast_isin.h"

#include <string.h>

static size_t key_terms(uint8_t k[2 + AST_ID_LEN], const char *isin)
{
    k[0] = AST_KEY_NS;
    k[1] = 'T';
    LDG_ASSERT(ast_id_key(k + 2, isin));
    return 2 + AST_ID_LEN;
}

static void terms_put(ldg_state *st, const char *isin, const ast_bond_terms *t, const char *cur)
{
    uint8_t k[2 + AST_ID_LEN];
    size_t kl = key_terms(k, isin);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_str(&e, cur);
    ldg_enc_u64(&e, t->face_value);
    ldg_enc_u64(&e, t->coupon_bps);
    ldg_enc_u64(&e, (uint64_t)t->freq);
    ldg_enc_u64(&e, (uint64_t)t->daycount);
    ldg_enc_i64(&e, t->issue.days);
    ldg_enc_i64(&e, t->maturity.days);
    ldg_state_put(st, k, kl, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

ldg_err ast_bond_terms_get(ldg_state *st, const char *isin, ast_bond_terms *t, char cur[4],
                           bool *found)
{
    uint8_t k[2 + AST_ID_LEN];
    *found = false;
    if (strlen(isin) == 0 || strlen(isin) > AST_ID_LEN)
        return LDG_OK;
    size_t kl = key_terms(k, isin);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, k, kl, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    uint64_t bps, freq, dc;
    int64_t issue, maturity;
    bool ok = ldg_obj_array(d.root, 7, &f) && ldg_obj_str(&f[0], cur, 3, false) &&
              ldg_obj_u64(&f[1], &t->face_value) && ldg_obj_u64(&f[2], &bps) &&
              ldg_obj_u64(&f[3], &freq) && ldg_obj_u64(&f[4], &dc) && ldg_obj_i64(&f[5], &issue) &&
              ldg_obj_i64(&f[6], &maturity) && bps <= AST_BOND_COUPON_BPS_MAX &&
              issue == (int32_t)issue && maturity == (int32_t)maturity;
    ldg_dec_free(&d);
    if (!ok)
        return LDG_ERR_CORRUPT;
    t->coupon_bps = (uint32_t)bps;
    t->freq = (ast_coupon_freq)freq;
    t->daycount = (ast_daycount)dc;
    t->issue.days = (int32_t)issue;
    t->maturity.days = (int32_t)maturity;
    return LDG_OK;
}

static ldg_result bond_err(ldg_txctx *c, ast_bond_err e)
{
    ldg_txctx_detail(c, "%s", ast_bond_err_str(e));
    return e == AST_BOND_ERR_DATE || e == AST_BOND_ERR_MATURITY ? AST_R_BAD_DATES : AST_R_BAD_TERMS;
}

/* asset.issue_bond: [isin, name, currency, face value, units, coupon bps, frequency,
 * day count, issue days i64, maturity days i64, to, risk] */
static ldg_result apply_issue_bond(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    ast_asset a = {.kind = AST_KIND_BOND, .scale = 0};
    ast_bond_terms t;
    uint64_t bps, freq, dc;
    int64_t issue, maturity;
    ldg_account to;
    if (!ldg_obj_array(payload, 12, &f) || !ldg_obj_str(&f[0], a.id, AST_ID_LEN, false) ||
        !ldg_obj_u64(&f[3], &t.face_value) || !ldg_obj_u64(&f[4], &a.supply) ||
        !ldg_obj_u64(&f[5], &bps) || !ldg_obj_u64(&f[6], &freq) || !ldg_obj_u64(&f[7], &dc) ||
        !ldg_obj_i64(&f[8], &issue) || !ldg_obj_i64(&f[9], &maturity) ||
        !ldg_obj_bin(&f[10], to.b, LDG_ACCOUNT_LEN) || !ldg_obj_u64(&f[11], &a.risk))
        return LDG_R_BAD_PAYLOAD;
    if (!ldg_obj_str(&f[1], a.name, LDG_NAME_LEN_MAX, false))
        return AST_R_BAD_NAME;
    if (!ast_isin_valid(a.id))
        return AST_R_BAD_ISIN;
    if (!ldg_obj_str(&f[2], a.currency, 3, false) || !ast_currency_valid(a.currency))
        return AST_R_BAD_CURRENCY;
    if (a.risk < 1 || a.risk > 5)
        return AST_R_BAD_RISK;
    if (a.supply == 0)
        return AST_R_ZERO_QUANTITY;
    if (a.supply > LDG_QUANTITY_MAX || t.face_value > LDG_QUANTITY_MAX)
        return AST_R_QUANTITY_TOO_LARGE;
    if (bps > AST_BOND_COUPON_BPS_MAX)
        return bond_err(c, AST_BOND_ERR_COUPON_RATE);
    if (issue != (int32_t)issue || maturity != (int32_t)maturity)
        return bond_err(c, AST_BOND_ERR_DATE);
    t.coupon_bps = (uint32_t)bps;
    t.freq = (ast_coupon_freq)freq;
    t.daycount = (ast_daycount)dc;
    t.issue.days = (int32_t)issue;
    t.maturity.days = (int32_t)maturity;
    ast_bond_err be = ast_bond_validate(&t);
    if (be != AST_BOND_OK)
        return bond_err(c, be);
    /* Redemption cash for the whole issue must be representable. */
    if ((unsigned __int128)t.face_value * a.supply > LDG_QUANTITY_MAX)
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
    terms_put(c->st, a.id, &t, a.currency);
    ast_why why = {AST_WHY_ISSUANCE, &c->sender, 0};
    r = ast_credit_why(c->st, a.id, &to, a.supply, &why);
    if (r != LDG_R_OK)
        return r;
    return ast_action_schedule_coupon(c->st, a.id, 0, c->env->height);
}

static const ldg_tx_type bond_types[] = {
    {AST_TX_ISSUE_BOND, "asset.issue_bond", LDG_ROLE_ISSUER, apply_issue_bond},
};

void ast_bond_register(ldg_registry *r)
{
    for (size_t i = 0; i < LDG_ARRAY_LEN(bond_types); i++)
        ldg_registry_add_tx(r, &bond_types[i]);
}
