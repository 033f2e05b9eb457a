/* Corporate actions (ast_action.h): dividends, splits, bond coupons and redemptions,
 * advanced by a block hook in bounded chunks. */
#include "ast_action.h"
#include "ast_action_math.h"
#include "ast_isin.h"
#include "ast_limits.h"
#include "ast_rules.h"

#include <stdlib.h>
#include <string.h>

/* "folio/escrow/action" padded: an account no key hashes to in practice. */
const ldg_account ast_escrow_account = {{'f', 'o', 'l', 'i', 'o', '/', 'e', 's', 'c', 'r',
                                         'o', 'w', '/', 'a', 'c', 't', 'i', 'o', 'n', 0}};

/* Split ratios above this are unit mistakes; it also keeps sums of fractions in 64 bits. */
#define SPLIT_SIDE_MAX 1000000u

/* ---- keys ---- */

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static size_t key_action(uint8_t k[10], uint64_t id)
{
    k[0] = AST_KEY_NS;
    k[1] = 'X';
    be64(k + 2, id);
    return 10;
}

static size_t key_due(uint8_t k[18], uint64_t due_ms, uint64_t id)
{
    k[0] = AST_KEY_NS;
    k[1] = 'D';
    be64(k + 2, due_ms);
    be64(k + 10, id);
    return 18;
}

static size_t key_unfunded(uint8_t k[10], uint64_t id)
{
    k[0] = AST_KEY_NS;
    k[1] = 'U';
    be64(k + 2, id);
    return 10;
}

static size_t key_snap(uint8_t k[30], uint64_t id, const uint8_t *acct)
{
    k[0] = AST_KEY_NS;
    k[1] = 'S';
    be64(k + 2, id);
    if (!acct)
        return 10;
    memcpy(k + 10, acct, LDG_ACCOUNT_LEN);
    return 30;
}

static size_t key_marker(uint8_t k[22], const char *isin, uint64_t id)
{
    k[0] = AST_KEY_NS;
    k[1] = 'Z';
    LDG_ASSERT(ast_id_key(k + 2, isin));
    if (id == 0)
        return 2 + AST_ID_LEN;
    be64(k + 2 + AST_ID_LEN, id);
    return 2 + AST_ID_LEN + 8;
}

static size_t key_lock(uint8_t k[14], const char *isin)
{
    k[0] = AST_KEY_NS;
    k[1] = 'L';
    LDG_ASSERT(ast_id_key(k + 2, isin));
    return 2 + AST_ID_LEN;
}

/* ---- records ---- */

static void action_put(ldg_state *st, const ast_action *a)
{
    uint8_t k[10];
    key_action(k, a->id);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 21);
    ldg_enc_u64(&e, a->kind);
    ldg_enc_str(&e, a->isin);
    ldg_enc_str(&e, a->currency);
    ldg_enc_u64(&e, a->per_unit);
    ldg_enc_u64(&e, a->record_end_ms);
    ldg_enc_u64(&e, a->pay_ms);
    ldg_enc_u64(&e, a->state);
    ldg_enc_bin(&e, a->cursor, a->has_cursor ? LDG_ACCOUNT_LEN : 0);
    ldg_enc_u64(&e, a->snap_units);
    ldg_enc_u64(&e, a->snap_holders);
    ldg_enc_u64(&e, a->total);
    ldg_enc_u64(&e, a->paid);
    ldg_enc_u64(&e, a->paid_holders);
    ldg_enc_u64(&e, a->ratio_new);
    ldg_enc_u64(&e, a->ratio_old);
    ldg_enc_u64(&e, a->frac_sum);
    ldg_enc_u64(&e, a->period);
    ldg_enc_u64(&e, a->created_height);
    ldg_enc_u64(&e, a->due_ms);
    ldg_enc_u64(&e, a->unpaid);
    ldg_enc_u64(&e, 0); /* reserved */
    ldg_state_put(st, k, sizeof k, ldg_enc_data(&e), ldg_enc_len(&e));
    ldg_enc_free(&e);
}

ldg_err ast_action_decode(const uint8_t *v, size_t vl, ast_action *a)
{
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK)
        return LDG_ERR_CORRUPT;
    const msgpack_object *f;
    const uint8_t *cur;
    size_t cl = 0;
    uint64_t reserved;
    bool ok = ldg_obj_array(d.root, 21, &f) && ldg_obj_u64(&f[0], &a->kind) &&
              ldg_obj_str(&f[1], a->isin, AST_ID_LEN, false) &&
              ldg_obj_str(&f[2], a->currency, 3, true) && ldg_obj_u64(&f[3], &a->per_unit) &&
              ldg_obj_u64(&f[4], &a->record_end_ms) && ldg_obj_u64(&f[5], &a->pay_ms) &&
              ldg_obj_u64(&f[6], &a->state) && ldg_obj_bin_ref(&f[7], LDG_ACCOUNT_LEN, &cur, &cl) &&
              (cl == 0 || cl == LDG_ACCOUNT_LEN) && ldg_obj_u64(&f[8], &a->snap_units) &&
              ldg_obj_u64(&f[9], &a->snap_holders) && ldg_obj_u64(&f[10], &a->total) &&
              ldg_obj_u64(&f[11], &a->paid) && ldg_obj_u64(&f[12], &a->paid_holders) &&
              ldg_obj_u64(&f[13], &a->ratio_new) && ldg_obj_u64(&f[14], &a->ratio_old) &&
              ldg_obj_u64(&f[15], &a->frac_sum) && ldg_obj_u64(&f[16], &a->period) &&
              ldg_obj_u64(&f[17], &a->created_height) && ldg_obj_u64(&f[18], &a->due_ms) &&
              ldg_obj_u64(&f[19], &a->unpaid) && ldg_obj_u64(&f[20], &reserved);
    if (ok) {
        a->has_cursor = cl == LDG_ACCOUNT_LEN;
        if (a->has_cursor)
            memcpy(a->cursor, cur, LDG_ACCOUNT_LEN);
    }
    ldg_dec_free(&d);
    return ok ? LDG_OK : LDG_ERR_CORRUPT;
}

ldg_err ast_action_get(ldg_state *st, uint64_t id, ast_action *out, bool *found)
{
    uint8_t k[10];
    key_action(k, id);
    const uint8_t *v;
    size_t vl;
    ldg_err err = ldg_state_get(st, k, sizeof k, &v, &vl, found);
    if (err != LDG_OK || !*found)
        return err;
    memset(out, 0, sizeof *out);
    out->id = id;
    return ast_action_decode(v, vl, out);
}

const char *ast_action_kind_name(uint64_t kind)
{
    switch (kind) {
    case AST_ACTION_DIVIDEND:
        return "dividend";
    case AST_ACTION_COUPON:
        return "coupon";
    case AST_ACTION_REDEMPTION:
        return "redemption";
    case AST_ACTION_SPLIT:
        return "split";
    default:
        return "unknown";
    }
}

const char *ast_action_state_name(uint64_t state)
{
    switch (state) {
    case AST_ACT_SCHEDULED:
        return "scheduled";
    case AST_ACT_RECORDING:
        return "recording";
    case AST_ACT_RECORDED:
        return "recorded";
    case AST_ACT_UNFUNDED:
        return "unfunded";
    case AST_ACT_PAYING:
        return "paying";
    case AST_ACT_DONE:
        return "done";
    case AST_ACT_CANCELLED:
        return "cancelled";
    case AST_ACT_SPLITTING:
        return "splitting";
    default:
        return "unknown";
    }
}

/* Moves the action's due-index entry to due_ms (0 removes it). */
static void set_due(ldg_state *st, ast_action *a, uint64_t due_ms)
{
    uint8_t k[18];
    if (a->due_ms) {
        key_due(k, a->due_ms, a->id);
        ldg_state_del(st, k, sizeof k);
    }
    a->due_ms = due_ms;
    if (due_ms) {
        key_due(k, due_ms, a->id);
        ldg_state_put_u64(st, k, sizeof k, 1);
    }
}

static void set_unfunded(ldg_state *st, uint64_t id, bool on)
{
    uint8_t k[10];
    key_unfunded(k, id);
    if (on)
        ldg_state_put_u64(st, k, sizeof k, 1);
    else
        ldg_state_del(st, k, sizeof k);
}

static void set_lock(ldg_state *st, const char *isin, uint64_t id)
{
    uint8_t k[14];
    size_t kl = key_lock(k, isin);
    if (id)
        ldg_state_put_u64(st, k, kl, id);
    else
        ldg_state_del(st, k, kl);
}

ldg_err ast_action_lock_get(ldg_state *st, const char *id, uint64_t *action)
{
    uint8_t k[14];
    size_t kl = key_lock(k, id);
    return ldg_state_get_u64(st, k, kl, action);
}

/* The reason a corporate action's movements carry in the history (ast_history.h). */
static ast_why action_why(const ast_action *a)
{
    uint64_t r = a->kind == AST_ACTION_DIVIDEND     ? AST_WHY_DIVIDEND
                 : a->kind == AST_ACTION_COUPON     ? AST_WHY_COUPON
                 : a->kind == AST_ACTION_REDEMPTION ? AST_WHY_REDEMPTION
                                                    : AST_WHY_SPLIT;
    return (ast_why){r, NULL, a->id};
}

static ldg_err next_id(ldg_state *st, uint64_t *id)
{
    uint8_t k[3] = {AST_KEY_NS, 'N', 'X'};
    ldg_err err = ldg_state_get_u64(st, k, sizeof k, id);
    if (err != LDG_OK)
        return err;
    ++*id;
    ldg_state_put_u64(st, k, sizeof k, *id);
    return LDG_OK;
}

/* ---- record-date snapshot ---- */

typedef struct marker_scan {
    uint64_t ids[AST_ACTIONS_PER_BLOCK_MAX];
    size_t n;
} marker_scan;

static bool collect_marker(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    marker_scan *m = arg;
    if (kl == 2 + AST_ID_LEN + 8 && m->n < AST_ACTIONS_PER_BLOCK_MAX)
        m->ids[m->n++] = rd64(k + 2 + AST_ID_LEN);
    return true;
}

static ldg_err snap_get(ldg_state *st, uint64_t id, const ldg_account *acct, bool *found)
{
    uint8_t k[30];
    key_snap(k, id, acct->b);
    const uint8_t *v;
    size_t vl;
    return ldg_state_get(st, k, sizeof k, &v, &vl, found);
}

static void snap_put(ldg_state *st, ast_action *a, const uint8_t *acct, uint64_t qty)
{
    uint8_t k[30];
    key_snap(k, a->id, acct);
    ldg_state_put_u64(st, k, sizeof k, qty);
    if (qty) {
        a->snap_units += qty; /* <= supply <= LDG_QUANTITY_MAX: cannot overflow */
        a->snap_holders++;
    }
}

/* 'A' 'z' id12 -> u64 number of snapshots of id12 in progress: one point read per
 * holding write when none is (the common case), instead of a prefix scan. */
static size_t key_count(uint8_t k[14], const char *isin)
{
    k[0] = AST_KEY_NS;
    k[1] = 'z';
    LDG_ASSERT(ast_id_key(k + 2, isin));
    return 2 + AST_ID_LEN;
}

static void marker_set(ldg_state *st, const ast_action *a, bool on)
{
    uint8_t k[22], ck[14];
    size_t kl = key_marker(k, a->isin, a->id), cl = key_count(ck, a->isin);
    uint64_t n = 0;
    LDG_ASSERT(ldg_state_get_u64(st, ck, cl, &n) == LDG_OK);
    if (on) {
        ldg_state_put_u64(st, k, kl, 1);
        n++;
    } else {
        ldg_state_del(st, k, kl);
        LDG_ASSERT(n > 0);
        n--;
    }
    if (n)
        ldg_state_put_u64(st, ck, cl, n);
    else
        ldg_state_del(st, ck, cl);
}

void ast_snapshot_cow(ldg_state *st, const char *id, const ldg_account *acct, uint64_t before)
{
    uint8_t ck[14];
    uint64_t count = 0;
    LDG_ASSERT(ldg_state_get_u64(st, ck, key_count(ck, id), &count) == LDG_OK);
    if (count == 0)
        return;
    uint8_t k[22];
    size_t kl = key_marker(k, id, 0);
    uint8_t probe[22];
    memcpy(probe, k, kl);
    marker_scan m = {.n = 0};
    /* Store failures here cannot be reported through the void writers of holdings; they
     * are programmer or disk errors that the state overlay already made sticky. */
    LDG_ASSERT(ldg_state_scan(st, k, kl, AST_ACTIONS_PER_BLOCK_MAX, collect_marker, &m) == LDG_OK);
    for (size_t i = 0; i < m.n; i++) {
        ast_action a;
        bool found;
        LDG_ASSERT(ast_action_get(st, m.ids[i], &a, &found) == LDG_OK && found);
        if (a.has_cursor && memcmp(acct->b, a.cursor, LDG_ACCOUNT_LEN) <= 0)
            continue; /* already copied */
        LDG_ASSERT(snap_get(st, a.id, acct, &found) == LDG_OK);
        if (found)
            continue;
        snap_put(st, &a, acct->b, before);
        action_put(st, &a);
    }
}

typedef struct rows_scan rows_scan;
typedef struct pay_scan pay_scan;

/* One block hook's run. The scan buffers (~100 and ~160 KiB) are the hook's own, taken on
 * first use and freed when it ends: several chains in one process run their block hooks
 * at the same time (specs/chains.md §9), so nothing of a run may be process-global. */
typedef struct step_ctx {
    ldg_state *st;
    const ldg_env *env;
    size_t budget; /* rows left this block */
    rows_scan *rows;
    pay_scan *pay;
} step_ctx;

/* Holdings of one instrument after a cursor, collected before anything is written (the
 * state must not be written during a scan). */
typedef struct rows_scan {
    const ast_action *a;
    size_t n, max;
    ldg_err err;
    uint8_t acct[AST_ACTION_ROWS_PER_BLOCK_MAX][LDG_ACCOUNT_LEN];
    uint64_t qty[AST_ACTION_ROWS_PER_BLOCK_MAX];
} rows_scan;

static bool collect_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    rows_scan *s = arg;
    if (kl != 1 + AST_ID_LEN + LDG_ACCOUNT_LEN)
        return true;
    const uint8_t *acct = k + 1 + AST_ID_LEN;
    if (s->a->has_cursor && memcmp(acct, s->a->cursor, LDG_ACCOUNT_LEN) <= 0)
        return true;
    if (s->n >= s->max)
        return false;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK) {
        s->err = LDG_ERR_CORRUPT;
        return false;
    }
    bool ok = ldg_obj_u64(d.root, &s->qty[s->n]);
    ldg_dec_free(&d);
    if (!ok) {
        s->err = LDG_ERR_CORRUPT;
        return false;
    }
    memcpy(s->acct[s->n++], acct, LDG_ACCOUNT_LEN);
    return true;
}

/* Collects up to max holdings after the action's cursor. The state scan takes a prefix
 * only, so rows up to the cursor are visited again (a key compare each) by later chunks;
 * what each chunk processes and writes is bounded by max. */
static ldg_err collect_holdings(step_ctx *x, const ast_action *a, size_t max, rows_scan **out)
{
    ldg_state *st = x->st;
    if (!x->rows) {
        x->rows = malloc(sizeof *x->rows);
        LDG_ASSERT(x->rows);
    }
    rows_scan *s = x->rows;
    s->a = a;
    s->n = 0;
    s->max = max;
    s->err = LDG_OK;
    uint8_t prefix[1 + AST_ID_LEN] = {'b'};
    LDG_ASSERT(ast_id_key(prefix + 1, a->isin));
    ldg_err err = ldg_state_scan(st, prefix, sizeof prefix, SIZE_MAX, collect_row, s);
    *out = s;
    return err != LDG_OK ? err : s->err;
}

/* ---- steps ---- */

/* Copies the next chunk of the register; *complete when the snapshot is whole. */
static ldg_err step_record(step_ctx *x, ast_action *a, bool *complete)
{
    rows_scan *s;
    ldg_err err = collect_holdings(x, a, x->budget, &s);
    if (err != LDG_OK)
        return err;
    for (size_t i = 0; i < s->n; i++) {
        ldg_account who;
        memcpy(who.b, s->acct[i], LDG_ACCOUNT_LEN);
        bool found;
        if ((err = snap_get(x->st, a->id, &who, &found)) != LDG_OK)
            return err;
        if (!found) /* else kept by copy on write with its record-date value */
            snap_put(x->st, a, who.b, s->qty[i]);
        memcpy(a->cursor, who.b, LDG_ACCOUNT_LEN);
        a->has_cursor = true;
    }
    x->budget -= s->n;
    *complete = s->n < s->max;
    return LDG_OK;
}

/* Funds a payment: the whole amount goes from the issuer's cash into escrow at once, so
 * the chunks that follow cannot run short. */
static ldg_err try_fund(step_ctx *x, ast_action *a, bool *funded)
{
    *funded = false;
    ast_asset asset;
    bool found;
    ldg_err err = ast_asset_get(x->st, a->isin, &asset, &found);
    if (err != LDG_OK)
        return err;
    LDG_ASSERT(found);
    unsigned __int128 total = (unsigned __int128)a->snap_units * a->per_unit;
    if (total > LDG_QUANTITY_MAX)
        return LDG_OK; /* can never be funded: stays unfunded until cancelled */
    a->total = (uint64_t)total;
    if (a->total == 0) {
        *funded = true;
        return LDG_OK;
    }
    uint64_t bal, frozen;
    if ((err = ast_balance_get(x->st, a->currency, &asset.issuer, &bal)) != LDG_OK ||
        (err = ast_frozen_get(x->st, a->currency, &asset.issuer, &frozen)) != LDG_OK)
        return err;
    if (bal < frozen || bal - frozen < a->total)
        return LDG_OK;
    ast_why why = action_why(a);
    ldg_result r =
        ast_move_raw_why(x->st, a->currency, &asset.issuer, &ast_escrow_account, a->total, &why);
    if (r == LDG_R_STORE_FAILED)
        return LDG_ERR_IO;
    *funded = r == LDG_R_OK;
    return LDG_OK;
}

typedef struct pay_scan {
    ldg_state *st;
    ast_action *a;
    size_t rows, max;
    uint64_t retired; /* redemption: bonds retired in this chunk */
    ldg_err err;
    uint8_t keys[AST_ACTION_ROWS_PER_BLOCK_MAX][30];
    uint64_t qty[AST_ACTION_ROWS_PER_BLOCK_MAX];
} pay_scan;

static bool collect_pay(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    pay_scan *s = arg;
    if (s->rows >= s->max)
        return false;
    if (kl != 30)
        return true;
    ldg_dec d;
    if (ldg_decode(&d, v, vl) != LDG_OK) {
        s->err = LDG_ERR_CORRUPT;
        return false;
    }
    bool ok = ldg_obj_u64(d.root, &s->qty[s->rows]);
    ldg_dec_free(&d);
    if (!ok) {
        s->err = LDG_ERR_CORRUPT;
        return false;
    }
    memcpy(s->keys[s->rows++], k, 30);
    return true;
}

/* Pays (or, when cancelled, discards) the next chunk of snapshot rows; rows are deleted as
 * they are done, so every chunk starts at the front. */
static ldg_err step_pay(step_ctx *x, ast_action *a, bool pay, bool *complete)
{
    if (!x->pay) {
        x->pay = malloc(sizeof *x->pay);
        LDG_ASSERT(x->pay);
    }
    pay_scan *s = x->pay;
    s->st = x->st;
    s->a = a;
    s->rows = 0;
    s->max = x->budget;
    s->retired = 0;
    s->err = LDG_OK;
    uint8_t prefix[30];
    size_t pl = key_snap(prefix, a->id, NULL);
    ldg_err err = ldg_state_scan(x->st, prefix, pl, x->budget, collect_pay, s);
    if (err == LDG_OK)
        err = s->err;
    if (err != LDG_OK)
        return err;
    for (size_t i = 0; i < s->rows; i++) {
        ldg_account who;
        memcpy(who.b, s->keys[i] + 10, LDG_ACCOUNT_LEN);
        ldg_state_del(x->st, s->keys[i], 30);
        if (!pay || s->qty[i] == 0)
            continue;
        uint64_t amount = s->qty[i] * a->per_unit; /* <= total: checked when funded */
        if (amount) {
            ast_why why = action_why(a);
            ldg_result r =
                ast_move_raw_why(x->st, a->currency, &ast_escrow_account, &who, amount, &why);
            if (r == LDG_R_STORE_FAILED)
                return LDG_ERR_IO;
            if (r == LDG_R_OK) {
                a->paid += amount;
                a->paid_holders++;
            } else {
                a->unpaid += amount; /* stays in escrow; shown by action list */
            }
        }
        if (a->kind == AST_ACTION_REDEMPTION) {
            uint64_t bal;
            if ((err = ast_balance_get(x->st, a->isin, &who, &bal)) != LDG_OK)
                return err;
            ast_why why = action_why(a);
            if (bal && ast_debit_why(x->st, a->isin, &who, bal, &why) == LDG_R_OK)
                s->retired += bal;
        }
    }
    if (s->retired) {
        ast_asset asset;
        bool found;
        if ((err = ast_asset_get(x->st, a->isin, &asset, &found)) != LDG_OK)
            return err;
        LDG_ASSERT(found && asset.supply >= s->retired);
        asset.supply -= s->retired;
        ast_asset_put(x->st, &asset);
    }
    x->budget -= s->rows;
    *complete = s->rows < s->max;
    return LDG_OK;
}

static ldg_err step_split(step_ctx *x, ast_action *a, bool *complete)
{
    rows_scan *s;
    ldg_err err = collect_holdings(x, a, x->budget, &s);
    if (err != LDG_OK)
        return err;
    for (size_t i = 0; i < s->n; i++) {
        uint64_t next, frac;
        ast_split_totals t;
        if (ast_split_apply(&next, &frac, &t, &s->qty[i], 1, a->ratio_new, a->ratio_old) !=
            AST_ACTION_OK)
            return LDG_ERR_CORRUPT; /* bounded when the split was accepted */
        ldg_account who;
        memcpy(who.b, s->acct[i], LDG_ACCOUNT_LEN);
        memcpy(a->cursor, who.b, LDG_ACCOUNT_LEN);
        a->has_cursor = true;
        a->frac_sum += frac;
        a->snap_units += next;
        ast_why why = action_why(a);
        ast_holding_set_why(x->st, a->isin, &who, s->qty[i], next, &why);
        ast_frozen_scale(x->st, a->isin, &who, a->ratio_new, a->ratio_old);
    }
    size_t rows = s->n;
    x->budget -= rows;
    *complete = rows < x->budget + rows;
    if (!*complete)
        return LDG_OK;
    ast_asset asset;
    bool found;
    if ((err = ast_asset_get(x->st, a->isin, &asset, &found)) != LDG_OK)
        return err;
    LDG_ASSERT(found);
    uint64_t issuer_shares = a->frac_sum / a->ratio_old;
    ast_why why = action_why(a);
    if (issuer_shares &&
        ast_credit_why(x->st, a->isin, &asset.issuer, issuer_shares, &why) != LDG_R_OK)
        return LDG_ERR_CORRUPT;
    asset.supply = a->snap_units + issuer_shares;
    a->total = issuer_shares;
    ast_asset_put(x->st, &asset);
    return LDG_OK;
}

static void remove_marker(ldg_state *st, const ast_action *a)
{
    marker_set(st, a, false);
}

/* After a coupon is paid or cancelled, the next period is scheduled. */
static ldg_err after_close(step_ctx *x, ast_action *a)
{
    if (a->kind == AST_ACTION_REDEMPTION)
        set_lock(x->st, a->isin, 0);
    if (a->kind != AST_ACTION_COUPON)
        return LDG_OK;
    ldg_result r = ast_action_schedule_coupon(x->st, a->isin, a->period + 1, x->env->height);
    return r == LDG_R_STORE_FAILED ? LDG_ERR_IO : LDG_OK;
}

/* Advances one action as far as the budget and the clock allow. */
static ldg_err step(step_ctx *x, ast_action *a)
{
    uint64_t now = x->env->time_ms;
    ldg_err err = LDG_OK;
    bool complete, funded;
    for (;;) {
        switch (a->state) {
        case AST_ACT_SCHEDULED:
            if (now <= a->record_end_ms)
                return LDG_OK;
            a->state = AST_ACT_RECORDING;
            a->has_cursor = false;
            marker_set(x->st, a, true);
            if (a->kind == AST_ACTION_REDEMPTION)
                set_lock(x->st, a->isin, a->id);
            break;
        case AST_ACT_RECORDING:
            if (x->budget == 0)
                return LDG_OK;
            if ((err = step_record(x, a, &complete)) != LDG_OK || !complete)
                return err;
            remove_marker(x->st, a);
            a->state = AST_ACT_RECORDED;
            a->has_cursor = false;
            set_due(x->st, a, a->pay_ms > a->due_ms ? a->pay_ms : a->due_ms);
            break;
        case AST_ACT_RECORDED:
        case AST_ACT_UNFUNDED:
            if (now < a->pay_ms)
                return LDG_OK;
            if ((err = try_fund(x, a, &funded)) != LDG_OK)
                return err;
            if (!funded) {
                if (a->state != AST_ACT_UNFUNDED) {
                    a->state = AST_ACT_UNFUNDED;
                    set_due(x->st, a, 0);
                    set_unfunded(x->st, a->id, true);
                }
                return LDG_OK;
            }
            if (a->state == AST_ACT_UNFUNDED) {
                set_unfunded(x->st, a->id, false);
                set_due(x->st, a, now);
            }
            a->state = AST_ACT_PAYING;
            break;
        case AST_ACT_PAYING:
        case AST_ACT_CANCELLED:
            if (x->budget == 0)
                return LDG_OK;
            if ((err = step_pay(x, a, a->state == AST_ACT_PAYING, &complete)) != LDG_OK ||
                !complete)
                return err;
            if (a->state == AST_ACT_PAYING)
                a->state = AST_ACT_DONE;
            set_due(x->st, a, 0);
            return after_close(x, a);
        case AST_ACT_SPLITTING:
            if (x->budget == 0)
                return LDG_OK;
            if (!a->has_cursor)
                set_lock(x->st, a->isin, a->id);
            if ((err = step_split(x, a, &complete)) != LDG_OK || !complete)
                return err;
            set_lock(x->st, a->isin, 0);
            a->state = AST_ACT_DONE;
            set_due(x->st, a, 0);
            return LDG_OK;
        default:
            set_due(x->st, a, 0);
            return LDG_OK;
        }
    }
}

/* ---- the block hook ---- */

typedef struct due_scan {
    uint64_t now;
    uint64_t ids[AST_ACTIONS_PER_BLOCK_MAX];
    size_t n;
} due_scan;

static bool collect_due(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    due_scan *s = arg;
    if (kl != 18)
        return true;
    if (rd64(k + 2) > s->now || s->n == AST_ACTIONS_PER_BLOCK_MAX)
        return false;
    s->ids[s->n++] = rd64(k + 10);
    return true;
}

static bool collect_unfunded(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    due_scan *s = arg;
    if (kl != 10)
        return true;
    if (s->n == AST_ACTIONS_PER_BLOCK_MAX)
        return false;
    s->ids[s->n++] = rd64(k + 2);
    return true;
}

static ldg_err action_hook(ldg_state *st, const ldg_env *env)
{
    due_scan s = {.now = env->time_ms};
    uint8_t pd[2] = {AST_KEY_NS, 'D'}, pu[2] = {AST_KEY_NS, 'U'};
    ldg_err err = ldg_state_scan(st, pd, 2, AST_ACTIONS_PER_BLOCK_MAX, collect_due, &s);
    if (err == LDG_OK)
        err = ldg_state_scan(st, pu, 2, AST_ACTIONS_PER_BLOCK_MAX, collect_unfunded, &s);
    if (err != LDG_OK)
        return err;
    step_ctx x = {.st = st, .env = env, .budget = AST_ACTION_ROWS_PER_BLOCK_MAX};
    for (size_t i = 0; i < s.n && err == LDG_OK; i++) {
        ast_action a;
        bool found;
        if ((err = ast_action_get(st, s.ids[i], &a, &found)) != LDG_OK)
            break;
        if (!found)
            err = LDG_ERR_CORRUPT;
        else if ((err = step(&x, &a)) == LDG_OK)
            action_put(st, &a);
    }
    free(x.rows);
    free(x.pay);
    return err;
}

static bool first_due(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    (void)v, (void)vl;
    uint64_t *due = arg;
    if (kl == 18)
        *due = rd64(k + 2);
    return false;
}

static bool action_work_due(ldg_state *st, uint64_t time_ms)
{
    uint8_t pd[2] = {AST_KEY_NS, 'D'};
    uint64_t due = UINT64_MAX;
    if (ldg_state_scan(st, pd, 2, 1, first_due, &due) != LDG_OK)
        return false;
    return due <= time_ms;
}

/* ---- creation ---- */

static void put_id(ldg_txctx *c, uint64_t id)
{
    be64(c->data, id);
    c->data_len = 8;
}

static ldg_result create(ldg_state *st, ast_action *a, uint64_t due_ms)
{
    if (next_id(st, &a->id) != LDG_OK)
        return LDG_R_STORE_FAILED;
    set_due(st, a, due_ms);
    action_put(st, a);
    return LDG_R_OK;
}

ldg_result ast_action_schedule_coupon(ldg_state *st, const char *isin, uint64_t period,
                                      uint64_t height)
{
    ast_bond_terms t;
    char cur[4];
    bool found;
    if (ast_bond_terms_get(st, isin, &t, cur, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return AST_R_UNKNOWN_ASSET;
    ast_coupon_period periods[AST_BOND_PERIODS_MAX];
    size_t n;
    if (ast_bond_schedule(periods, AST_BOND_PERIODS_MAX, &n, &t) != AST_BOND_OK)
        return AST_R_BAD_TERMS;
    if (period >= n)
        return LDG_R_OK; /* past maturity: nothing more */
    const ast_coupon_period *p = &periods[period];
    bool last = period + 1 == n;
    ast_action a = {.kind = last ? AST_ACTION_REDEMPTION : AST_ACTION_COUPON,
                    .state = AST_ACT_SCHEDULED,
                    .period = period,
                    .created_height = height};
    snprintf(a.isin, sizeof a.isin, "%s", isin);
    snprintf(a.currency, sizeof a.currency, "%s", cur);
    a.per_unit = p->amount;
    if (last && __builtin_add_overflow(a.per_unit, ast_bond_redemption(&t), &a.per_unit))
        return LDG_R_OVERFLOW;
    /* Holders at the end of the day before the payment date are paid. */
    ast_date record = {p->end.days - 1};
    if (ast_date_end_ms(&a.record_end_ms, record) != AST_DATE_OK ||
        ast_date_start_ms(&a.pay_ms, p->end) != AST_DATE_OK)
        return AST_R_BAD_DATES;
    return create(st, &a, a.record_end_ms + 1);
}

static ldg_result need_issued_by(ldg_txctx *c, const char *isin, ast_asset *asset)
{
    bool found;
    if (ast_asset_get(c->st, isin, asset, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found) {
        ldg_txctx_detail(c, "no instrument %s", isin);
        return AST_R_UNKNOWN_ASSET;
    }
    if (memcmp(asset->issuer.b, c->sender.b, LDG_ACCOUNT_LEN) != 0)
        return AST_R_NOT_ISSUER;
    return LDG_R_OK;
}

/* action.dividend: [isin, per_share, currency, record days i64, pay days i64] */
static ldg_result apply_dividend(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    ast_action a = {
        .kind = AST_ACTION_DIVIDEND, .state = AST_ACT_SCHEDULED, .created_height = c->env->height};
    int64_t rec, pay;
    if (!ldg_obj_array(payload, 5, &f) || !ldg_obj_str(&f[0], a.isin, AST_ID_LEN, false) ||
        !ldg_obj_u64(&f[1], &a.per_unit) || !ldg_obj_i64(&f[3], &rec) || !ldg_obj_i64(&f[4], &pay))
        return LDG_R_BAD_PAYLOAD;
    if (!ldg_obj_str(&f[2], a.currency, 3, false) || !ast_currency_valid(a.currency))
        return AST_R_BAD_CURRENCY;
    ast_asset asset;
    ldg_result r = need_issued_by(c, a.isin, &asset);
    if (r != LDG_R_OK)
        return r;
    if (asset.kind != AST_KIND_EQUITY) {
        ldg_txctx_detail(c, "%s is not an equity: bonds pay coupons on their schedule", a.isin);
        return AST_R_WRONG_KIND;
    }
    if (a.per_unit == 0)
        return AST_R_ZERO_QUANTITY;
    if (a.per_unit > LDG_QUANTITY_MAX)
        return AST_R_QUANTITY_TOO_LARGE;
    if (rec != (int32_t)rec || pay != (int32_t)pay || rec >= pay ||
        ast_date_end_ms(&a.record_end_ms, (ast_date){(int32_t)rec}) != AST_DATE_OK ||
        ast_date_start_ms(&a.pay_ms, (ast_date){(int32_t)pay}) != AST_DATE_OK) {
        ldg_txctx_detail(c, "the record date must be before the pay date");
        return AST_R_BAD_DATES;
    }
    if (a.record_end_ms < c->env->time_ms) {
        ldg_txctx_detail(c, "the record date is already over");
        return AST_R_BAD_DATES;
    }
    r = create(c->st, &a, a.record_end_ms + 1);
    if (r == LDG_R_OK) {
        put_id(c, a.id);
        ldg_txctx_detail(c, "action %llu", (unsigned long long)a.id);
    }
    return r;
}

/* action.split: [isin, ratio_new, ratio_old]; applied from the next block on. */
static ldg_result apply_split(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    ast_action a = {
        .kind = AST_ACTION_SPLIT, .state = AST_ACT_SPLITTING, .created_height = c->env->height};
    if (!ldg_obj_array(payload, 3, &f) || !ldg_obj_str(&f[0], a.isin, AST_ID_LEN, false) ||
        !ldg_obj_u64(&f[1], &a.ratio_new) || !ldg_obj_u64(&f[2], &a.ratio_old))
        return LDG_R_BAD_PAYLOAD;
    if (a.ratio_new == 0 || a.ratio_old == 0 || a.ratio_new > SPLIT_SIDE_MAX ||
        a.ratio_old > SPLIT_SIDE_MAX || a.ratio_new == a.ratio_old) {
        ldg_txctx_detail(c, "ratio %llu:%llu: each side 1 to %llu, and N different from M",
                         (unsigned long long)a.ratio_new, (unsigned long long)a.ratio_old,
                         (unsigned long long)SPLIT_SIDE_MAX);
        return AST_R_BAD_RATIO;
    }
    ast_asset asset;
    ldg_result r = need_issued_by(c, a.isin, &asset);
    if (r != LDG_R_OK)
        return r;
    if (asset.kind != AST_KIND_EQUITY) {
        ldg_txctx_detail(c, "%s is not an equity: only shares split", a.isin);
        return AST_R_WRONG_KIND;
    }
    uint64_t lock;
    if (ast_action_lock_get(c->st, a.isin, &lock) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (lock)
        return AST_R_ACTION_IN_PROGRESS;
    if ((unsigned __int128)asset.supply * a.ratio_new / a.ratio_old > LDG_QUANTITY_MAX)
        return AST_R_QUANTITY_TOO_LARGE;
    /* Locked now, so nothing moves between this transaction and the rewrite. */
    r = create(c->st, &a, c->env->time_ms);
    if (r == LDG_R_OK) {
        set_lock(c->st, a.isin, a.id);
        put_id(c, a.id);
        ldg_txctx_detail(c, "action %llu", (unsigned long long)a.id);
    }
    return r;
}

/* action.cancel: [id]. Only before any payment; the snapshot is discarded chunk by chunk
 * by the hook. A cancelled coupon lets the bond's next period be scheduled. */
static ldg_result apply_cancel(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    uint64_t id;
    if (!ldg_obj_array(payload, 1, &f) || !ldg_obj_u64(&f[0], &id))
        return LDG_R_BAD_PAYLOAD;
    ast_action a;
    bool found;
    if (ast_action_get(c->st, id, &a, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return AST_R_UNKNOWN_ACTION;
    ast_asset asset;
    ldg_result r = need_issued_by(c, a.isin, &asset);
    if (r != LDG_R_OK)
        return r;
    if (a.state != AST_ACT_SCHEDULED && a.state != AST_ACT_RECORDING &&
        a.state != AST_ACT_RECORDED && a.state != AST_ACT_UNFUNDED) {
        ldg_txctx_detail(c, "action %llu is %s", (unsigned long long)id,
                         ast_action_state_name(a.state));
        return AST_R_ACTION_CLOSED;
    }
    if (a.state == AST_ACT_RECORDING)
        remove_marker(c->st, &a);
    set_unfunded(c->st, a.id, false);
    a.state = AST_ACT_CANCELLED;
    set_due(c->st, &a, c->env->time_ms);
    action_put(c->st, &a);
    return LDG_R_OK;
}

static const ldg_tx_type action_types[] = {
    {AST_TX_DIVIDEND, "action.dividend", LDG_ROLE_ISSUER, apply_dividend},
    {AST_TX_SPLIT, "action.split", LDG_ROLE_ISSUER, apply_split},
    {AST_TX_ACTION_CANCEL, "action.cancel", LDG_ROLE_ISSUER, apply_cancel},
};

void ast_action_register(ldg_registry *r)
{
    for (size_t i = 0; i < LDG_ARRAY_LEN(action_types); i++)
        ldg_registry_add_tx(r, &action_types[i]);
    ldg_registry_add_hook(r, action_hook);
    ldg_registry_add_work_due(r, action_work_due);
    ast_bond_register(r);
}
