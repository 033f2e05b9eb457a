/* The ledger half of bulk import (specs/import.md): folio asset import, folio investor
 * import and folio asset export. The file is checked whole (cli_import.c), then against the
 * node's participants, profiles and the instrument's register; only then is anything
 * signed. What is already on the ledger is never submitted again (the resume rule, §4). */
#include "ast_asset.h"
#include "ast_date.h"
#include "ast_isin.h"
#include "ast_money.h"
#include "ast_rules.h"
#include "cli.h"
#include "cli_import.h"
#include "cli_import_batch.h"
#include "ldg_exec.h"
#include "ldg_hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the ledger's view: participants, profiles, the register ---- */

typedef struct imp_party {
    char name[LDG_NAME_LEN_MAX + 1];
    ldg_account acct;
    ldg_pubkey pub;
} imp_party;

typedef struct imp_prof {
    ldg_account acct;
    uint64_t cat, cls;
    int64_t kyc;
} imp_prof;

typedef struct imp_hold {
    ldg_account acct;
    uint64_t q;
} imp_hold;

typedef struct imp_ledger {
    imp_party *parties; /* sorted by name (the node's order) */
    imp_party **by_acct;
    size_t np;
    imp_prof *profs; /* sorted by account (the node's order) */
    size_t nprof;
    imp_hold *holds; /* sorted by account */
    size_t nh;
    int64_t today;
    bool asset;
    char asset_name[LDG_NAME_LEN_MAX + 1], kind[16];
    uint64_t supply, risk;
    unsigned scale;
    ldg_account issuer;
} imp_ledger;

static void ledger_free(imp_ledger *l)
{
    free(l->parties);
    free(l->by_acct);
    free(l->profs);
    free(l->holds);
    memset(l, 0, sizeof *l);
}

static int cmp_acct(const void *a, const void *b)
{
    return memcmp(a, b, LDG_ACCOUNT_LEN);
}

static int cmp_party_acct(const void *a, const void *b)
{
    return memcmp((*(imp_party *const *)a)->acct.b, (*(imp_party *const *)b)->acct.b,
                  LDG_ACCOUNT_LEN);
}

static int cmp_party_name(const void *a, const void *b)
{
    return strcmp(((const imp_party *)a)->name, ((const imp_party *)b)->name);
}

static const imp_party *party_by_name(const imp_ledger *l, const char *name)
{
    size_t lo = 0, hi = l->np;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, l->parties[mid].name);
        if (!c)
            return &l->parties[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const imp_party *party_by_acct(const imp_ledger *l, const ldg_account *a)
{
    imp_party key, *kp = &key;
    key.acct = *a;
    imp_party **p = l->np ? bsearch(&kp, l->by_acct, l->np, sizeof kp, cmp_party_acct) : NULL;
    return p ? *p : NULL;
}

static const imp_prof *prof_of(const imp_ledger *l, const ldg_account *a)
{
    return l->nprof ? bsearch(a, l->profs, l->nprof, sizeof *l->profs, cmp_acct) : NULL;
}

static uint64_t held_by(const imp_ledger *l, const ldg_account *a)
{
    const imp_hold *h = l->nh ? bsearch(a, l->holds, l->nh, sizeof *l->holds, cmp_acct) : NULL;
    return h ? h->q : 0;
}

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 1024;
    while (n < need)
        n *= 2;
    void *b = realloc(*buf, n * elem);
    LDG_ASSERT(b);
    *buf = b;
    *cap = n;
    return true;
}

/* Every page of a list method: req builds the request for a cursor (NULL: the first page);
 * each row of the reply's array `key` goes to row(). */
typedef void (*imp_req_fn)(ldg_enc *e, const char *fixed, const char *after);
typedef bool (*imp_row_fn)(imp_ledger *l, json_t *row, size_t *cap);

static int read_pages(cli_ctx *ctx, imp_ledger *l, imp_req_fn req, const char *fixed,
                      const char *key, imp_row_fn row)
{
    char after[LDG_QUERY_CURSOR_MAX + 1] = "";
    size_t cap = 0;
    for (;;) {
        ldg_enc e;
        ldg_enc_init(&e);
        req(&e, fixed, after[0] ? after : NULL);
        int rc;
        json_t *j = cli_call(ctx, &e, &rc);
        ldg_enc_free(&e);
        if (!j)
            return rc;
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(j, key), i, r)
        {
            if (!row(l, r, &cap)) {
                json_decref(j);
                cli_fail(ctx, "PROTOCOL", "the node's %s reply has a row folio cannot read", key);
                return CLI_UNAVAILABLE;
            }
        }
        const char *next = json_string_value(json_object_get(j, "next"));
        bool more = next && strlen(next) < sizeof after && strcmp(next, after) != 0;
        if (more)
            snprintf(after, sizeof after, "%s", next);
        json_decref(j);
        if (!more)
            return CLI_OK;
    }
}

static void req_participants(ldg_enc *e, const char *fixed, const char *after)
{
    (void)fixed;
    ldg_enc_array(e, 3);
    ldg_enc_str(e, "participants");
    after ? ldg_enc_str(e, after) : ldg_enc_nil(e);
    ldg_enc_u64(e, 0);
}

static bool row_participant(imp_ledger *l, json_t *r, size_t *cap)
{
    grow((void **)&l->parties, cap, l->np + 1, sizeof *l->parties);
    imp_party *p = &l->parties[l->np];
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *acct = json_string_value(json_object_get(r, "account"));
    const char *pub = json_string_value(json_object_get(r, "pubkey"));
    if (!name || strlen(name) > LDG_NAME_LEN_MAX || !acct || ldg_account_parse(&p->acct, acct) ||
        !pub || strlen(pub) != 2 * LDG_PUBKEY_LEN || ldg_hex_decode(p->pub.b, LDG_PUBKEY_LEN, pub))
        return false;
    snprintf(p->name, sizeof p->name, "%s", name);
    l->np++;
    return true;
}

static void req_investors(ldg_enc *e, const char *fixed, const char *after)
{
    (void)fixed;
    ldg_enc_array(e, 6);
    ldg_enc_str(e, "investors");
    ldg_enc_nil(e);
    ldg_enc_str(e, "");
    ldg_enc_u64(e, 0);
    after ? ldg_enc_str(e, after) : ldg_enc_nil(e);
    ldg_enc_u64(e, 0);
}

static bool row_investor(imp_ledger *l, json_t *r, size_t *cap)
{
    grow((void **)&l->profs, cap, l->nprof + 1, sizeof *l->profs);
    imp_prof *p = &l->profs[l->nprof];
    const char *acct = json_string_value(json_object_get(r, "account"));
    const char *cat = json_string_value(json_object_get(r, "category"));
    const char *cls = json_string_value(json_object_get(r, "risk_class"));
    const char *kyc = json_string_value(json_object_get(r, "kyc_expiry"));
    ast_date d;
    if (!acct || ldg_account_parse(&p->acct, acct) || !cat || !cls || strlen(cls) != 2 || !kyc ||
        ast_date_parse(&d, kyc, strlen(kyc)) != AST_DATE_OK)
        return false;
    p->cat = !strcmp(cat, "professional") ? AST_INVESTOR_PROFESSIONAL : AST_INVESTOR_ORDINARY;
    p->cls = (uint64_t)(cls[1] - '0');
    p->kyc = d.days;
    l->nprof++;
    return true;
}

static void req_holders(ldg_enc *e, const char *fixed, const char *after)
{
    ldg_enc_array(e, 4);
    ldg_enc_str(e, "holders");
    ldg_enc_str(e, fixed);
    after ? ldg_enc_str(e, after) : ldg_enc_nil(e);
    ldg_enc_u64(e, 0);
}

static bool row_holder(imp_ledger *l, json_t *r, size_t *cap)
{
    grow((void **)&l->holds, cap, l->nh + 1, sizeof *l->holds);
    imp_hold *h = &l->holds[l->nh];
    const char *acct = json_string_value(json_object_get(r, "account"));
    json_t *q = json_object_get(r, "quantity");
    if (!acct || ldg_account_parse(&h->acct, acct) || !json_is_integer(q) ||
        json_integer_value(q) < 0)
        return false;
    h->q = (uint64_t)json_integer_value(q);
    l->nh++;
    return true;
}

/* The instrument (if it exists) and the node's date. */
static int read_asset(cli_ctx *ctx, imp_ledger *l, const char *isin)
{
    int rc;
    json_t *st = cli_query(ctx, "status", NULL, &rc);
    if (!st)
        return rc;
    ast_date today;
    uint64_t t = (uint64_t)json_integer_value(json_object_get(st, "time_ms")) +
                 (uint64_t)json_integer_value(json_object_get(st, "time_offset_ms"));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t wall = (uint64_t)ts.tv_sec * 1000 +
                    (uint64_t)json_integer_value(json_object_get(st, "time_offset_ms"));
    json_decref(st);
    l->today =
        ast_date_from_block_time(&today, wall > t ? wall : t) == AST_DATE_OK ? today.days : 0;
    if (!isin)
        return CLI_OK;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "asset");
    ldg_enc_str(&e, isin);
    int status = 0;
    char *text = NULL;
    ldg_err err = net_client_call(ctx->client, &e, &status, &text);
    ldg_enc_free(&e);
    json_t *j = err == LDG_OK ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!j) {
        cli_fail(ctx, "UNAVAILABLE", "the node did not answer about %s", isin);
        return CLI_UNAVAILABLE;
    }
    if (status != 0) { /* not issued yet */
        json_decref(j);
        return status == LDG_ERR_NOT_FOUND ? CLI_OK : CLI_UNAVAILABLE;
    }
    l->asset = true;
    snprintf(l->asset_name, sizeof l->asset_name, "%s",
             json_string_value(json_object_get(j, "name")) ?: "");
    snprintf(l->kind, sizeof l->kind, "%s", json_string_value(json_object_get(j, "kind")) ?: "");
    l->supply = (uint64_t)json_integer_value(json_object_get(j, "supply"));
    l->scale = (unsigned)json_integer_value(json_object_get(j, "scale"));
    const char *risk = json_string_value(json_object_get(j, "risk"));
    l->risk = risk && risk[0] == 'R' ? (uint64_t)(risk[1] - '0') : 0;
    const char *iss = json_string_value(json_object_get(json_object_get(j, "issuer"), "account"));
    bool ok = iss && ldg_account_parse(&l->issuer, iss) == 0;
    json_decref(j);
    if (!ok) {
        cli_fail(ctx, "PROTOCOL", "the node's reply about %s names no issuer", isin);
        return CLI_UNAVAILABLE;
    }
    return CLI_OK;
}

static int read_ledger(cli_ctx *ctx, imp_ledger *l, const char *isin)
{
    int rc = cli_connect(ctx);
    if (rc == CLI_OK)
        rc = read_asset(ctx, l, isin);
    if (rc == CLI_OK)
        rc = read_pages(ctx, l, req_participants, NULL, "participants", row_participant);
    if (rc == CLI_OK)
        rc = read_pages(ctx, l, req_investors, NULL, "investors", row_investor);
    if (rc == CLI_OK && l->asset)
        rc = read_pages(ctx, l, req_holders, isin, "holders", row_holder);
    if (rc != CLI_OK)
        return rc;
    if (l->np) /* bytewise, as party_by_name searches (the node's order is the same) */
        qsort(l->parties, l->np, sizeof *l->parties, cmp_party_name);
    l->by_acct = malloc((l->np ? l->np : 1) * sizeof *l->by_acct);
    LDG_ASSERT(l->by_acct);
    for (size_t i = 0; i < l->np; i++)
        l->by_acct[i] = &l->parties[i];
    if (l->np)
        qsort(l->by_acct, l->np, sizeof *l->by_acct, cmp_party_acct);
    if (l->nh)
        qsort(l->holds, l->nh, sizeof *l->holds, cmp_acct);
    if (l->nprof)
        qsort(l->profs, l->nprof, sizeof *l->profs, cmp_acct);
    return CLI_OK;
}

/* ---- checking the rows against the ledger ---- */

static const char *cat_name(uint64_t c)
{
    return c == AST_INVESTOR_PROFESSIONAL ? "professional" : "ordinary";
}

/* Who the row is: a participant of that name, or one to register with the row's key. */
static void resolve_party(cli_imp_file *f, cli_imp_row *r, const imp_ledger *l)
{
    const imp_party *p = party_by_name(l, r->name);
    char hex[2 * LDG_PUBKEY_LEN + 1];
    if (p) {
        r->known = true;
        r->account = p->acct;
        if (r->has_key && memcmp(r->pub.b, p->pub.b, LDG_PUBKEY_LEN) != 0) {
            ldg_hex_encode(hex, p->pub.b, LDG_PUBKEY_LEN);
            cli_imp_problem_add(f, r->line, 2, "KEY_MISMATCH",
                                "'%.64s' is a participant whose public key is %s, not this one",
                                r->name, hex);
        }
        return;
    }
    if (!r->has_key) {
        cli_imp_problem_add(f, r->line, 2, "UNKNOWN_HOLDER",
                            "'%.64s' is not a participant: give its public_key and profile to "
                            "register it",
                            r->name);
        return;
    }
    ldg_account_of(&r->account, &r->pub);
    const imp_party *other = party_by_acct(l, &r->account);
    if (other)
        cli_imp_problem_add(f, r->line, 2, "ACCOUNT_TAKEN",
                            "this public key's account is already the participant '%.64s'",
                            other->name);
    if (!r->has_profile)
        cli_imp_problem_add(f, r->line, cli_imp_column(f->kind, "category"), "NEEDS_PROFILE",
                            "'%.64s' is new: an investor needs category, risk_class and "
                            "kyc_expiry",
                            r->name);
}

/* The row's profile against the ledger's; the investor file may change one, a register may
 * not (it would change suitability behind the import). Returns the profile that applies. */
static bool resolve_profile(cli_imp_file *f, cli_imp_row *r, const imp_ledger *l, imp_prof *eff)
{
    const imp_prof *lp = r->known ? prof_of(l, &r->account) : NULL;
    if (r->has_profile) {
        bool same =
            lp && lp->cat == r->category && lp->cls == r->risk_class && lp->kyc == r->kyc_days;
        if (lp && !same && f->kind == CLI_IMP_REGISTER) {
            char d[AST_DATE_STR_SIZE];
            ast_date_format(d, sizeof d, (ast_date){(int32_t)lp->kyc});
            cli_imp_problem_add(f, r->line, cli_imp_column(f->kind, "category"), "PROFILE_DIFFERS",
                                "'%.64s' has the profile %s C%u %s on the ledger; change it "
                                "with 'folio investor import' first, or leave these fields empty",
                                r->name, cat_name(lp->cat), (unsigned)lp->cls, d);
        }
        r->needs_profile = !same;
        *eff = (imp_prof){.cat = r->category, .cls = r->risk_class, .kyc = r->kyc_days};
        return true;
    }
    if (lp)
        *eff = *lp;
    return lp != NULL;
}

/* The ledger would refuse the transfer to this holder (specs/assets.md suitability). */
static void suitability(cli_imp_file *f, const cli_imp_row *r, const imp_prof *p, uint64_t risk,
                        int64_t today)
{
    unsigned long c = cli_imp_column(f->kind, "category");
    if (p->kyc < today)
        cli_imp_problem_add(f, r->line, c + 2, "KYC_EXPIRED",
                            "'%.64s''s KYC expired: the ledger blocks every incoming security",
                            r->name);
    if (p->cat == AST_INVESTOR_ORDINARY && p->cls < risk)
        cli_imp_problem_add(f, r->line, c + 1, "NOT_SUITABLE",
                            "'%.64s' is an ordinary investor of class C%u; the instrument is "
                            "R%u",
                            r->name, (unsigned)p->cls, (unsigned)risk);
}

/* What an interrupted import left (the resume rule, specs/import.md §4): a row is done when
 * its holder holds exactly its quantity, to do when it holds none; anything else, or a holder
 * not in the file, means the register moved on and this is not a resume of this file. */
static void resolve_register(cli_imp_file *f, const imp_ledger *l, const ldg_account *issuer,
                             const char *isin)
{
    uint64_t pending = 0, own = 0;
    for (size_t i = 0; i < f->n; i++) {
        cli_imp_row *r = &f->rows[i];
        r->is_issuer = !memcmp(r->account.b, issuer->b, LDG_ACCOUNT_LEN);
        r->held = held_by(l, &r->account);
        if (r->is_issuer) {
            own = r->quantity;
            r->done = true;
        } else if (r->held == r->quantity) {
            r->done = true;
        } else if (r->held == 0) {
            pending += r->quantity;
        } else {
            cli_imp_problem_add(f, r->line, cli_imp_column(f->kind, "quantity"), "CONFLICT",
                                "'%.64s' already holds %llu of %s, not 0 or the row's %llu",
                                r->name, (unsigned long long)r->held, isin,
                                (unsigned long long)r->quantity);
        }
    }
    ldg_account *in_file = malloc(f->n * sizeof *in_file);
    LDG_ASSERT(in_file);
    for (size_t i = 0; i < f->n; i++)
        in_file[i] = f->rows[i].account;
    qsort(in_file, f->n, sizeof *in_file, cmp_acct);
    for (size_t i = 0; i < l->nh; i++) {
        const imp_hold *h = &l->holds[i];
        bool listed = !memcmp(h->acct.b, issuer->b, LDG_ACCOUNT_LEN) ||
                      bsearch(&h->acct, in_file, f->n, sizeof *in_file, cmp_acct);
        if (!listed) {
            char hex[LDG_ACCOUNT_HEX_LEN];
            ldg_account_hex(hex, &h->acct);
            cli_imp_problem_add(f, 0, 0, "CONFLICT",
                                "account %s holds %llu of %s and is not in the file", hex,
                                (unsigned long long)h->q, isin);
        }
    }
    free(in_file);
    if (l->asset && held_by(l, issuer) != own + pending)
        cli_imp_problem_add(f, 0, 0, "CONFLICT",
                            "the issuer holds %llu of %s; the rows still to distribute and its "
                            "own row need %llu",
                            (unsigned long long)held_by(l, issuer), isin,
                            (unsigned long long)(own + pending));
}

/* ---- the validation report ---- */

typedef struct imp_summary {
    const char *file, *isin;
    size_t new_parties, new_profiles, done, todo;
    bool issue; /* the instrument is to be issued */
    uint64_t total;
    unsigned scale;
} imp_summary;

static void summarize(imp_summary *s, const cli_imp_file *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const cli_imp_row *r = &f->rows[i];
        s->new_parties += !r->known;
        s->new_profiles += r->needs_profile;
        if (f->kind == CLI_IMP_REGISTER)
            r->done ? s->done++ : s->todo++;
        else
            (r->known && !r->needs_profile) ? s->done++ : s->todo++;
    }
    s->total = f->total;
}

static json_t *report_json(const cli_imp_file *f, const imp_summary *s)
{
    json_t *probs = json_array();
    for (size_t i = 0; i < f->shown; i++) {
        const cli_imp_problem *p = &f->problems[i];
        json_array_append_new(probs, json_pack("{s:I,s:I,s:s,s:s}", "line", (json_int_t)p->line,
                                               "column", (json_int_t)p->column, "code", p->code,
                                               "message", p->message));
    }
    json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "file", s->file, "rows",
                          (json_int_t)f->n, "new_participants", (json_int_t)s->new_parties,
                          "new_profiles", (json_int_t)s->new_profiles, "done", (json_int_t)s->done,
                          "to_do", (json_int_t)s->todo, "problems", probs);
    json_object_set_new(j, "problem_count", json_integer((json_int_t)f->count));
    json_object_set_new(j, "valid", json_boolean(f->count == 0));
    if (f->kind == CLI_IMP_REGISTER) {
        char dec[AST_MONEY_TEXT_LEN];
        json_object_set_new(j, "isin", json_string(s->isin));
        json_object_set_new(j, "total", json_integer((json_int_t)s->total));
        json_object_set_new(
            j, "total_decimal",
            json_string(ast_money_format(dec, sizeof dec, (int64_t)s->total, s->scale, false)));
        json_object_set_new(j, "issue", json_boolean(s->issue));
    }
    return j;
}

static void report_print(const cli_imp_file *f, const imp_summary *s)
{
    const char *what = f->kind == CLI_IMP_REGISTER ? "holders" : "investors";
    printf("%s: %zu %s", s->file, f->n, what);
    if (f->kind == CLI_IMP_REGISTER) {
        char t[CLI_MONEY_LEN];
        printf(", total %s of %s%s", cli_quantity_text(t, (int64_t)s->total, s->scale), s->isin,
               s->issue ? " (to be issued)" : "");
    }
    printf("\n  new participants %zu, new profiles %zu, already on the ledger %zu, to do %zu\n",
           s->new_parties, s->new_profiles, s->done, s->todo);
    if (f->count == 0) {
        printf("  valid: no problems\n");
        return;
    }
    printf("  %zu problem%s%s:\n\n", f->count, f->count == 1 ? "" : "s",
           f->count > f->shown ? " (the first shown)" : "");
    cli_table *t = cli_table_new(4, (const char *const[]){"LINE", "COLUMN", "CODE", "PROBLEM"});
    for (size_t i = 0; i < f->shown; i++) {
        const cli_imp_problem *p = &f->problems[i];
        char line[24] = "-", col[24] = "-";
        if (p->line)
            snprintf(line, sizeof line, "%lu", p->line);
        if (p->column)
            snprintf(col, sizeof col, "%lu", p->column);
        cli_table_row(t, (const char *const[]){line, col, p->code, p->message});
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
}

/* Prints the report (JSON held back when `hold`: the caller adds the outcome). */
static void report(cli_ctx *ctx, const cli_imp_file *f, const imp_summary *s, json_t **hold)
{
    if (ctx->json) {
        json_t *j = report_json(f, s);
        if (hold) {
            *hold = j;
            return;
        }
        cli_print_json(j);
        json_decref(j);
    } else {
        report_print(f, s);
    }
    if (f->count)
        fprintf(stderr, "folio: %s: %zu problem%s; nothing was submitted\n", s->file, f->count,
                f->count == 1 ? "" : "s");
}

/* ---- reading the file ---- */

static int read_file(cli_ctx *ctx, const char *path, uint8_t **data, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        cli_fail(ctx, "IO", "cannot open %s: %s", path, strerror(errno));
        return CLI_LOCAL;
    }
    /* Grown as it is read (a pipe has no size), never past one byte over the limit. */
    size_t cap = 64 * 1024, n = 0, want = (size_t)LDG_CSV_FILE_MAX + 1;
    uint8_t *b = malloc(cap);
    LDG_ASSERT(b);
    for (;;) {
        if (n == cap && cap < want) {
            cap = cap * 2 < want ? cap * 2 : want;
            b = realloc(b, cap);
            LDG_ASSERT(b);
        }
        size_t got = n < cap ? fread(b + n, 1, cap - n, fp) : 0;
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(b);
        cli_fail(ctx, "IO", "cannot read %s", path);
        return CLI_LOCAL;
    }
    *data = b;
    *len = n; /* more than LDG_CSV_FILE_MAX: the parser says FILE_TOO_LARGE */
    return CLI_OK;
}

/* ---- folio asset import ---- */

typedef struct imp_opts {
    const char *file, *isin, *name, *cls, *registrar, *shares;
    uint64_t risk;
    bool risk_given;
} imp_opts;

static int import_opts(cli_ctx *ctx, int argc, char **argv, imp_opts *o)
{
    static const char *const valued[] = {"--isin",      "--name",   "--class", "--risk",
                                         "--registrar", "--shares", NULL};
    if (!cli_check_opts(ctx, argc, argv, valued, NULL) ||
        !cli_check_positionals(ctx, argc, argv, valued, 1))
        return CLI_USAGE;
    *o = (imp_opts){.file = cli_pos(argc, argv, 0, valued),
                    .isin = cli_opt(argc, argv, "--isin"),
                    .name = cli_opt(argc, argv, "--name"),
                    .cls = cli_opt(argc, argv, "--class"),
                    .registrar = cli_opt(argc, argv, "--registrar"),
                    .shares = cli_opt(argc, argv, "--shares"),
                    .risk = 3};
    const char *risk = cli_opt(argc, argv, "--risk");
    if (!o->file || !o->isin || !o->name) {
        cli_fail(ctx, "USAGE", "asset import needs FILE, --isin and --name");
        return CLI_USAGE;
    }
    if (!ast_isin_valid(o->isin)) {
        cli_fail(ctx, "BAD_ISIN", "'%s' is not a valid ISIN", o->isin);
        return CLI_USAGE;
    }
    if (!*o->name || strlen(o->name) > LDG_NAME_LEN_MAX) {
        cli_fail(ctx, "USAGE", "--name is 1 to %d bytes", LDG_NAME_LEN_MAX);
        return CLI_USAGE;
    }
    if (risk) {
        if ((risk[0] != 'R' && risk[0] != 'r') || risk[1] < '1' || risk[1] > '5' || risk[2]) {
            cli_fail(ctx, "BAD_RISK", "--risk must be R1, R2, R3, R4 or R5");
            return CLI_USAGE;
        }
        o->risk = (uint64_t)(risk[1] - '0');
        o->risk_given = true;
    }
    if (o->cls && (!*o->cls || strlen(o->cls) > 7)) {
        cli_fail(ctx, "USAGE", "--class is a short share class label such as A or B");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The signer's account (the issuer of the import). */
static int signer_account(cli_ctx *ctx, ldg_account *out)
{
    ldg_pubkey pub;
    const char *name = cli_signer_name(ctx, NULL);
    if (!net_key_name_ok(name) || net_key_load_pub(ctx->home, name, &pub) != LDG_OK) {
        cli_fail(ctx, "NO_KEY", "no key named '%s' in %s/keys", name, ctx->home);
        return CLI_USAGE;
    }
    ldg_account_of(out, &pub);
    return CLI_OK;
}

/* The instrument as it stands against the options and the file. */
static void check_asset(cli_imp_file *f, const imp_ledger *l, const imp_opts *o,
                        const ldg_account *issuer)
{
    uint64_t shares = 0;
    if (o->shares && (!cli_parse_u64(o->shares, LDG_QUANTITY_MAX, &shares) || shares == 0))
        cli_imp_problem_add(f, 0, 0, "BAD_QUANTITY", "--shares is a whole number above 0");
    else if (o->shares && shares != f->total)
        cli_imp_problem_add(f, 0, 0, "BAD_TOTAL",
                            "the quantities add up to %llu, not the --shares %llu",
                            (unsigned long long)f->total, (unsigned long long)shares);
    if (!l->asset)
        return;
    if (strcmp(l->kind, "equity") != 0)
        cli_imp_problem_add(f, 0, 0, "ASSET_DIFFERS", "%s exists and is %s, not equity", o->isin,
                            l->kind);
    if (strcmp(l->asset_name, o->name) != 0)
        cli_imp_problem_add(f, 0, 0, "ASSET_DIFFERS", "%s exists with the name '%.64s', not '%s'",
                            o->isin, l->asset_name, o->name);
    if (l->supply != f->total)
        cli_imp_problem_add(f, 0, 0, "BAD_TOTAL",
                            "%s exists with a supply of %llu; the file's quantities add up to "
                            "%llu",
                            o->isin, (unsigned long long)l->supply, (unsigned long long)f->total);
    if (memcmp(l->issuer.b, issuer->b, LDG_ACCOUNT_LEN) != 0)
        cli_imp_problem_add(f, 0, 0, "ASSET_DIFFERS",
                            "%s was issued by another account than the signing key's", o->isin);
}

static void resolve_rows(cli_imp_file *f, const imp_ledger *l, uint64_t risk)
{
    for (size_t i = 0; i < f->n; i++) {
        cli_imp_row *r = &f->rows[i];
        resolve_party(f, r, l);
        imp_prof eff;
        if (resolve_profile(f, r, l, &eff) && f->kind == CLI_IMP_REGISTER)
            suitability(f, r, &eff, risk, l->today);
    }
}

/* After the import: every row's holder holds its quantity and the register totals the
 * supply, read back from the node. */
static int verify_register(cli_ctx *ctx, cli_imp_file *f, const char *isin, uint64_t *held)
{
    imp_ledger l = {0};
    int rc = read_asset(ctx, &l, isin);
    if (rc == CLI_OK)
        rc = read_pages(ctx, &l, req_holders, isin, "holders", row_holder);
    if (rc == CLI_OK && l.nh)
        qsort(l.holds, l.nh, sizeof *l.holds, cmp_acct);
    *held = 0;
    for (size_t i = 0; i < l.nh; i++)
        *held += l.holds[i].q;
    for (size_t i = 0; i < f->n && rc == CLI_OK; i++)
        if (held_by(&l, &f->rows[i].account) != f->rows[i].quantity) {
            cli_fail(ctx, "MISMATCH", "after the import line %lu ('%s') holds %llu, not %llu",
                     f->rows[i].line, f->rows[i].name,
                     (unsigned long long)held_by(&l, &f->rows[i].account),
                     (unsigned long long)f->rows[i].quantity);
            rc = CLI_REJECTED;
        }
    if (rc == CLI_OK && (*held != l.supply || l.supply != f->total)) {
        cli_fail(ctx, "MISMATCH", "the register of %s totals %llu; the supply is %llu", isin,
                 (unsigned long long)*held, (unsigned long long)l.supply);
        rc = CLI_REJECTED;
    }
    ledger_free(&l);
    return rc;
}

/* The steps in order: holders registered, their profiles, the issue, the distribution. */
static int run_register(cli_imp_job *j, const imp_opts *o, bool issue)
{
    size_t *idx = malloc((j->f->n + 1) * sizeof *idx);
    LDG_ASSERT(idx);
    const char *signer = cli_signer_name(j->ctx, NULL);
    const char *registrar = o->registrar ? o->registrar : signer;
    size_t n = cli_imp_select(j->f, CLI_IMP_STEP_PARTICIPANT, idx);
    j->resume = cli_imp_any_known(j->f);
    int rc = cli_imp_run_step(j, CLI_IMP_STEP_PARTICIPANT, idx, n, registrar);
    for (size_t i = 0; i < j->f->n && rc == CLI_OK; i++)
        j->f->rows[i].known = true;
    n = rc == CLI_OK ? cli_imp_select(j->f, CLI_IMP_STEP_PROFILE, idx) : 0;
    if (rc == CLI_OK)
        rc = cli_imp_run_step(j, CLI_IMP_STEP_PROFILE, idx, n, registrar);
    idx[0] = SIZE_MAX;
    if (rc == CLI_OK && issue)
        rc = cli_imp_run_step(j, CLI_IMP_STEP_ISSUE, idx, 1, signer);
    n = rc == CLI_OK ? cli_imp_select(j->f, CLI_IMP_STEP_TRANSFER, idx) : 0;
    j->resume = j->had_asset;
    if (rc == CLI_OK)
        rc = cli_imp_run_step(j, CLI_IMP_STEP_TRANSFER, idx, n, signer);
    free(idx);
    return rc;
}

/* --dry-run: the node's check of the issue (the rest depends on it and is checked locally). */
static int dry_issue(cli_imp_job *j)
{
    cli_signing sg;
    int rc = cli_sign_begin(j->ctx, &sg);
    if (rc != CLI_OK)
        return rc;
    cli_imp_tx t = {0};
    if (!cli_imp_sign_row(j, &sg, CLI_IMP_STEP_ISSUE, &t, cli_imp_slot_expiry(sg.now_ms, 0)))
        rc = CLI_UNAVAILABLE;
    cli_sign_end(&sg);
    if (rc == CLI_OK)
        rc = cli_imp_check(j, &t);
    free(t.wire);
    return rc;
}

static int import_done(cli_imp_job *j, json_t *rep, uint64_t held, const imp_summary *s)
{
    char tot[CLI_MONEY_LEN], txs[32];
    cli_num(txs, sizeof txs, j->txs);
    if (rep) {
        json_object_set_new(rep, "transactions", json_integer((json_int_t)j->txs));
        json_object_set_new(rep, "batches", json_integer((json_int_t)j->batches));
        json_object_set_new(rep, "held", json_integer((json_int_t)held));
        json_object_set_new(rep, "imported", json_true());
        cli_print_json(rep);
        json_decref(rep);
    } else {
        printf("imported %zu holders of %s: %s transactions in %llu batches; the register "
               "totals %s = the issued supply\n",
               j->f->n, j->isin, txs, (unsigned long long)j->batches,
               cli_quantity_text(tot, (int64_t)held, s->scale));
    }
    return CLI_OK;
}

int cli_asset_import(cli_ctx *ctx, int argc, char **argv)
{
    imp_opts o;
    int rc = import_opts(ctx, argc, argv, &o);
    uint8_t *data = NULL;
    size_t len = 0;
    imp_ledger l = {0};
    cli_imp_file f = {0};
    ldg_account issuer;
    if (rc == CLI_OK)
        rc = signer_account(ctx, &issuer);
    if (rc == CLI_OK)
        rc = read_file(ctx, o.file, &data, &len);
    if (rc == CLI_OK)
        rc = cli_connect(ctx);
    if (rc == CLI_OK)
        rc = read_asset(ctx, &l, o.isin);
    if (rc != CLI_OK) {
        free(data);
        return rc;
    }
    imp_summary s = {.file = o.file, .isin = o.isin, .issue = !l.asset, .scale = l.scale};
    bool ok = cli_imp_parse(&f, CLI_IMP_REGISTER, data, len, l.scale);
    if (ok)
        rc = read_ledger(ctx, &l, o.isin);
    if (ok && rc == CLI_OK) {
        resolve_rows(&f, &l, l.asset ? l.risk : o.risk);
        check_asset(&f, &l, &o, &issuer);
        resolve_register(&f, &l, &issuer, o.isin);
    }
    cli_imp_job j = {.ctx = ctx,
                     .f = &f,
                     .isin = o.isin,
                     .name = o.name,
                     .cls = o.cls,
                     .risk = o.risk,
                     .issuer = issuer,
                     .had_asset = l.asset,
                     .tty = isatty(STDERR_FILENO) && !ctx->json};
    json_t *rep = NULL;
    if (rc == CLI_OK) {
        summarize(&s, &f);
        report(ctx, &f, &s, f.count == 0 && !ctx->dry_run ? &rep : NULL);
        rc = f.count ? CLI_REJECTED : CLI_OK;
    }
    if (rc == CLI_OK && ctx->dry_run) {
        rc = s.issue ? dry_issue(&j) : CLI_OK;
        if (rc == CLI_OK && !ctx->json)
            printf("dry run: the file is valid%s; nothing was submitted\n",
                   s.issue ? " and the node would accept the issue" : "");
        rc = rc == CLI_OK ? CLI_DRY_RUN : rc;
    } else if (rc == CLI_OK) {
        uint64_t held = 0;
        /* The issue checked first: a signer without the issuer role, or terms the ledger
         * refuses, stop the import before any holder is registered. */
        rc = s.issue ? dry_issue(&j) : CLI_OK;
        if (rc == CLI_OK)
            rc = run_register(&j, &o, s.issue);
        if (rc == CLI_OK)
            rc = verify_register(ctx, &f, o.isin, &held);
        if (rc == CLI_OK)
            rc = import_done(&j, rep, held, &s);
        else
            json_decref(rep);
    }
    if (!o.risk_given && s.issue && (rc == CLI_OK || rc == CLI_DRY_RUN))
        fprintf(stderr, "folio: note: no --risk given: the equity is issued at risk level R3\n");
    cli_imp_free(&f);
    ledger_free(&l);
    free(data);
    return rc;
}

/* ---- folio investor import ---- */

int cli_investor_import(cli_ctx *ctx, int argc, char **argv)
{
    if (!cli_check_opts(ctx, argc, argv, NULL, NULL) ||
        !cli_check_positionals(ctx, argc, argv, NULL, 1))
        return CLI_USAGE;
    const char *file = cli_pos(argc, argv, 0, NULL);
    if (!file) {
        cli_fail(ctx, "USAGE", "investor import needs FILE");
        return CLI_USAGE;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = read_file(ctx, file, &data, &len);
    if (rc != CLI_OK)
        return rc;
    imp_ledger l = {0};
    cli_imp_file f;
    bool ok = cli_imp_parse(&f, CLI_IMP_INVESTORS, data, len, 0);
    if (ok)
        rc = read_ledger(ctx, &l, NULL);
    if (ok && rc == CLI_OK)
        resolve_rows(&f, &l, 0);
    imp_summary s = {.file = file};
    cli_imp_job j = {.ctx = ctx, .f = &f, .tty = isatty(STDERR_FILENO) && !ctx->json};
    j.resume = cli_imp_any_known(&f);
    json_t *rep = NULL;
    if (rc == CLI_OK) {
        summarize(&s, &f);
        report(ctx, &f, &s, f.count == 0 && !ctx->dry_run ? &rep : NULL);
        rc = f.count ? CLI_REJECTED : ctx->dry_run ? CLI_DRY_RUN : CLI_OK;
        if (rc == CLI_DRY_RUN && !ctx->json)
            printf("dry run: the file is valid; nothing was submitted\n");
    }
    size_t *idx = malloc((f.n + 1) * sizeof *idx);
    LDG_ASSERT(idx);
    const char *signer = cli_signer_name(ctx, NULL);
    if (rc == CLI_OK)
        rc = cli_imp_run_step(&j, CLI_IMP_STEP_PARTICIPANT, idx,
                              cli_imp_select(&f, CLI_IMP_STEP_PARTICIPANT, idx), signer);
    if (rc == CLI_OK)
        rc = cli_imp_run_step(&j, CLI_IMP_STEP_PROFILE, idx,
                              cli_imp_select(&f, CLI_IMP_STEP_PROFILE, idx), signer);
    if (rc == CLI_OK && rep) {
        json_object_set_new(rep, "transactions", json_integer((json_int_t)j.txs));
        json_object_set_new(rep, "imported", json_true());
        cli_print_json(rep);
    } else if (rc == CLI_OK) {
        char txs[32];
        cli_num(txs, sizeof txs, j.txs);
        printf("imported %zu investors: %s transactions\n", f.n, txs);
    }
    json_decref(rep);
    free(idx);
    cli_imp_free(&f);
    ledger_free(&l);
    free(data);
    return rc;
}

/* ---- folio asset export ---- */

static int cmp_row_name(const void *a, const void *b)
{
    return strcmp(((const cli_imp_row *)a)->name, ((const cli_imp_row *)b)->name);
}

/* The register as rows of the import format, sorted by holder (names point into l). */
static cli_imp_row *export_rows(const imp_ledger *l, char (*hex)[LDG_ACCOUNT_HEX_LEN])
{
    cli_imp_row *rows = calloc(l->nh ? l->nh : 1, sizeof *rows);
    LDG_ASSERT(rows);
    for (size_t i = 0; i < l->nh; i++) {
        cli_imp_row *r = &rows[i];
        const imp_party *p = party_by_acct(l, &l->holds[i].acct);
        const imp_prof *pr = prof_of(l, &l->holds[i].acct);
        ldg_account_hex(hex[i], &l->holds[i].acct);
        r->name = p ? p->name : hex[i]; /* an account that is no participant: its hex */
        r->has_key = p != NULL;
        if (p)
            r->pub = p->pub;
        r->quantity = l->holds[i].q;
        if (pr)
            *r = (cli_imp_row){.name = r->name,
                               .has_key = r->has_key,
                               .pub = r->pub,
                               .quantity = r->quantity,
                               .has_profile = true,
                               .category = pr->cat,
                               .risk_class = pr->cls,
                               .kyc_days = pr->kyc};
    }
    if (l->nh)
        qsort(rows, l->nh, sizeof *rows, cmp_row_name);
    return rows;
}

/* "-o FILE" spelt --output for the shared option parsers (as cli_proof.c does). */
static int export_args(cli_ctx *ctx, int argc, char **argv, const char **isin, const char **out)
{
    static const char *const valued[] = {"--output", NULL}, *const flags[] = {"--csv", NULL};
    char **v = calloc((size_t)argc + 1, sizeof *v);
    LDG_ASSERT(v);
    for (int i = 0; i < argc; i++)
        v[i] = !strcmp(argv[i], "-o") ? "--output" : argv[i];
    int rc = CLI_OK;
    if (!cli_check_opts(ctx, argc, v, valued, flags) ||
        !cli_check_positionals(ctx, argc, v, valued, 1))
        rc = CLI_USAGE;
    *isin = cli_pos(argc, v, 0, valued);
    *out = cli_opt(argc, v, "--output");
    if (rc == CLI_OK && (!*isin || !cli_flag(argc, v, "--csv"))) {
        cli_fail(ctx, "USAGE", "asset export needs an ISIN and --csv (the one format)");
        rc = CLI_USAGE;
    }
    free(v);
    return rc;
}

int cli_asset_export(cli_ctx *ctx, int argc, char **argv)
{
    const char *isin, *out;
    if (export_args(ctx, argc, argv, &isin, &out) != CLI_OK)
        return CLI_USAGE;
    imp_ledger l = {0};
    int rc = read_ledger(ctx, &l, isin);
    if (rc == CLI_OK && !l.asset) {
        cli_fail(ctx, "NOT_FOUND", "no instrument %s is registered", isin);
        rc = CLI_REJECTED;
    }
    if (rc != CLI_OK) {
        ledger_free(&l);
        return rc;
    }
    char(*hex)[LDG_ACCOUNT_HEX_LEN] = calloc(l.nh ? l.nh : 1, sizeof *hex);
    LDG_ASSERT(hex);
    cli_imp_row *rows = export_rows(&l, hex);
    /* The header as the format states it, then one row per holder. */
    size_t len = strlen(cli_imp_register_header) + 1, cap = len + 1;
    char *buf = malloc(cap);
    LDG_ASSERT(buf);
    memcpy(buf, cli_imp_register_header, len - 1);
    buf[len - 1] = '\n';
    bool ok = true;
    for (size_t i = 0; i < l.nh && ok; i++)
        ok = cli_imp_write_row(&buf, &len, &cap, CLI_IMP_REGISTER, &rows[i], l.scale);
    LDG_ASSERT(ok);
    rc = cli_write_file(ctx, out ? out : "-", buf, len);
    if (rc == CLI_OK && out && !ctx->json)
        printf("exported %zu holders of %s to %s\n", l.nh, isin, out);
    free(buf);
    free(rows);
    free(hex);
    ledger_free(&l);
    return rc;
}
