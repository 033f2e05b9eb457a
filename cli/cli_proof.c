/* folio proof: proof bundles (specs/proofs.md). The building verbs ask the node for a bundle
 * and write it to a file; `verify` checks a bundle with nothing but a genesis document -- no
 * node, no network -- and says in words what it proves. */
#include "ast_asset.h"
#include "chn.h"
#include "cli.h"
#include "ldg_exec.h"
#include "ldg_proof.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "-o FILE" is the one short option: spelled --output for the shared parsers. */
static char **long_opts(int argc, char **argv)
{
    char **v = calloc((size_t)argc + 1, sizeof *v);
    LDG_ASSERT(v);
    for (int i = 0; i < argc; i++)
        v[i] = !strcmp(argv[i], "-o") ? "--output" : argv[i];
    return v;
}

/* Reads at most max bytes of path; NULL (error printed) if it cannot or it is longer. */
static uint8_t *read_file(cli_ctx *ctx, const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_fail(ctx, "NOT_FOUND", "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = malloc(max + 1);
    LDG_ASSERT(buf);
    size_t n = fread(buf, 1, max + 1, f);
    bool err = ferror(f);
    fclose(f);
    if (err || n > max) {
        cli_fail(ctx, err ? "IO" : "TOO_LARGE", err ? "cannot read %s" : "%s is over %zu bytes",
                 path, max);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* ---- building ---- */

static int pad_id(cli_ctx *ctx, const char *id, uint8_t out[LDG_PROOF_ID_LEN])
{
    size_t n = strlen(id);
    if (n == 0 || n > LDG_PROOF_ID_LEN) {
        cli_fail(ctx, "USAGE", "an instrument id is 1..12 characters (an ISIN or a currency)");
        return CLI_USAGE;
    }
    memset(out, 0, LDG_PROOF_ID_LEN);
    memcpy(out, id, n);
    return CLI_OK;
}

/* The state key a verb proves, from its arguments. */
static int verb_key(cli_ctx *ctx, const char *verb, int argc, char **argv, const char *const *opts,
                    uint64_t *kind, uint8_t *key, size_t *kl)
{
    const char *a0 = cli_pos(argc, argv, 0, opts), *a1 = cli_pos(argc, argv, 1, opts);
    bool holding = !strcmp(verb, "holding");
    if (!a0 || (holding && !a1)) {
        cli_fail(ctx, "USAGE", "proof %s needs %s (see --help)", verb,
                 holding                ? "ISIN ACCOUNT"
                 : !strcmp(verb, "key") ? "HEX"
                                        : "an argument");
        return CLI_USAGE;
    }
    if (!cli_check_positionals(ctx, argc, argv, opts, holding ? 2 : 1))
        return CLI_USAGE;
    ldg_account acct;
    int rc = CLI_OK;
    if (!strcmp(verb, "key")) {
        size_t n = strlen(a0) / 2;
        if (strlen(a0) % 2 || n == 0 || n > LDG_PROOF_KEY_MAX || ldg_hex_decode(key, n, a0)) {
            cli_fail(ctx, "USAGE", "the key is hex of 1..%d bytes", LDG_PROOF_KEY_MAX);
            return CLI_USAGE;
        }
        *kind = LDG_PROOF_KIND_KEY;
        *kl = n;
    } else if (holding) {
        *kind = LDG_PROOF_KIND_HOLDING;
        key[0] = 'b';
        if ((rc = pad_id(ctx, a0, key + 1)) != CLI_OK ||
            (rc = cli_resolve_account(ctx, a1, &acct)) != CLI_OK)
            return rc;
        memcpy(key + 1 + LDG_PROOF_ID_LEN, acct.b, LDG_ACCOUNT_LEN);
        *kl = 1 + LDG_PROOF_ID_LEN + LDG_ACCOUNT_LEN;
    } else if (!strcmp(verb, "instrument")) {
        *kind = LDG_PROOF_KIND_INSTRUMENT;
        key[0] = 'a';
        *kl = 1 + LDG_PROOF_ID_LEN;
        return pad_id(ctx, a0, key + 1);
    } else {
        bool inv = !strcmp(verb, "investor");
        *kind = inv ? LDG_PROOF_KIND_INVESTOR : LDG_PROOF_KIND_PARTICIPANT;
        if ((rc = cli_resolve_account(ctx, a0, &acct)) != CLI_OK)
            return rc;
        key[0] = inv ? 'A' : 'p';
        key[1] = 'I';
        memcpy(key + (inv ? 2 : 1), acct.b, LDG_ACCOUNT_LEN);
        *kl = (inv ? 2u : 1u) + LDG_ACCOUNT_LEN;
    }
    return rc;
}

/* A two-level bundle: the fact on this (sub-)chain, anchored on the main chain at via. */
static int build_via(cli_ctx *ctx, const char *via, uint64_t kind, const uint8_t *key, size_t kl,
                     const char *out)
{
    uint8_t *b = NULL;
    size_t n = 0;
    uint64_t h = 0;
    int rc = cli_chains_xproof(ctx, via, kind, key, kl, &b, &n, &h);
    if (rc != CLI_OK)
        return rc;
    rc = cli_write_file(ctx, out, b, n);
    if (rc == CLI_OK) {
        if (ctx->json) {
            json_t *j = json_pack("{s:s,s:I,s:I,s:b}", "file", out, "size", (json_int_t)n, "height",
                                  (json_int_t)h, "two_level", 1);
            cli_print_json(j);
            json_decref(j);
        } else
            printf("wrote %s: %zu bytes, a two-level bundle proving the sub-chain state after "
                   "block %llu, anchored on the main chain\n",
                   out, n, (unsigned long long)h);
    }
    free(b);
    return rc;
}

static int build(cli_ctx *ctx, const char *verb, int argc, char **argv)
{
    static const char *const opts[] = {"--height", "--record-date", "--output", "--via-main", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL))
        return CLI_USAGE;
    const char *via = cli_opt(argc, argv, "--via-main");
    const char *out = cli_opt(argc, argv, "--output"), *hs = cli_opt(argc, argv, "--height");
    const char *date = cli_opt(argc, argv, "--record-date");
    if (!out || !*out) {
        cli_fail(ctx, "USAGE", "proof %s needs -o FILE", verb);
        return CLI_USAGE;
    }
    uint64_t height = 0;
    int64_t days = 0;
    if ((hs && date) || (hs && !cli_parse_u64(hs, UINT64_MAX - 1, &height)) ||
        (date && (!cli_parse_date(date, &days) || days < 0))) {
        cli_fail(ctx, "USAGE",
                 "give --height H (a block height) or --record-date YYYY-MM-DD, "
                 "not both");
        return CLI_USAGE;
    }
    if (via && (hs || date)) {
        cli_fail(ctx, "USAGE",
                 "--via-main proves the state at the sub-chain's last anchored checkpoint: "
                 "no --height or --record-date");
        return CLI_USAGE;
    }
    uint64_t kind;
    uint8_t key[LDG_PROOF_KEY_MAX];
    size_t kl = 0;
    int rc = verb_key(ctx, verb, argc, argv, opts, &kind, key, &kl);
    if (rc != CLI_OK)
        return rc;
    if (via)
        return build_via(ctx, via, kind, key, kl, out);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 5);
    ldg_enc_str(&e, "proof");
    ldg_enc_u64(&e, kind);
    ldg_enc_bin(&e, key, kl);
    if (hs)
        ldg_enc_u64(&e, height);
    else
        ldg_enc_nil(&e);
    if (date) /* the end of the record date: its last millisecond (assets.md) */
        ldg_enc_u64(&e, (uint64_t)days * 86400000ULL + 86399999ULL);
    else
        ldg_enc_nil(&e);
    json_t *j = cli_call(ctx, &e, &rc);
    ldg_enc_free(&e);
    if (!j)
        return rc;
    const char *hex = json_string_value(json_object_get(j, "bundle"));
    size_t n = hex ? strlen(hex) / 2 : 0;
    uint8_t *bytes = n && n <= LDG_PROOF_BUNDLE_MAX ? malloc(n) : NULL;
    if (!bytes || ldg_hex_decode(bytes, n, hex)) {
        cli_fail(ctx, "PROTOCOL", "the node sent no bundle");
        free(bytes);
        json_decref(j);
        return CLI_UNAVAILABLE;
    }
    rc = cli_write_file(ctx, out, bytes, n);
    if (rc == CLI_OK) {
        if (ctx->json)
            cli_print_json(j);
        else
            printf("wrote %s: %zu bytes, proving the state after block %lld\n", out, n,
                   (long long)json_integer_value(json_object_get(j, "height")));
    }
    free(bytes);
    json_decref(j);
    return rc;
}

/* ---- verifying ---- */

/* 1234567 -> "1,234,567"; with a scale, "12,345.67". */
static void grouped(char *out, size_t len, uint64_t v, uint64_t scale)
{
    char digits[32], plain[48];
    uint64_t p = 1;
    unsigned sc = scale <= 18 ? (unsigned)scale : 0;
    for (unsigned i = 0; i < sc; i++)
        p *= 10;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)(v / p));
    size_t n = strlen(digits), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            plain[k++] = ',';
        plain[k++] = digits[i];
    }
    plain[k] = '\0';
    if (sc)
        snprintf(out, len, "%s.%0*llu", plain, (int)sc, (unsigned long long)(v % p));
    else
        snprintf(out, len, "%s", plain);
}

static void utc(char *out, size_t len, uint64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(out, len, "%llu ms", (unsigned long long)ms);
}

/* The fact in words (specs/proofs.md §4). */
static void say(char *s, size_t len, const ldg_proof_claim *c)
{
    char acct[41], h[32], t[48], q[48], tot[48];
    ldg_hex_encode(acct, c->account, 20);
    grouped(h, sizeof h, c->height, 0);
    utc(t, sizeof t, c->time_ms);
    int n = snprintf(s, len, "at height %s (%s) ", h, t);
    s += n, len -= (size_t)n;
    switch (c->kind) {
    case LDG_PROOF_KIND_HOLDING:
        if (c->asset_kind == AST_KIND_CASH && c->total <= INT64_MAX) {
            /* cash reads as money: "1,250.50 CNY" (specs/money.md) */
            char mq[CLI_MONEY_LEN], mt[CLI_MONEY_LEN];
            snprintf(s, len,
                     "account %s held %s; the %s in issue then totalled %s = the issued "
                     "supply",
                     acct, c->present ? cli_money_text(mq, (int64_t)c->quantity, c->id) : "none",
                     c->id, cli_money_text(mt, (int64_t)c->total, c->id));
            break;
        }
        grouped(q, sizeof q, c->quantity, c->scale);
        grouped(tot, sizeof tot, c->total, c->scale);
        snprintf(s, len,
                 "account %s held %s of %s; the register then totalled %s = the issued "
                 "supply",
                 acct, c->present ? q : "none", c->id, tot);
        break;
    case LDG_PROOF_KIND_INSTRUMENT:
        grouped(q, sizeof q, c->supply, c->scale);
        if (c->present)
            snprintf(s, len, "instrument %s (%s) existed with an issued supply of %s", c->id,
                     c->asset_name, q);
        else
            snprintf(s, len, "instrument %s did not exist", c->id);
        break;
    case LDG_PROOF_KIND_PARTICIPANT: {
        char roles[256];
        ldg_roles_format((uint32_t)c->roles, roles, sizeof roles);
        if (c->present)
            snprintf(s, len, "account %s was participant '%s' with roles %s (%llu)", acct, c->name,
                     roles, (unsigned long long)c->roles);
        else
            snprintf(s, len, "account %s was not a participant", acct);
        break;
    }
    case LDG_PROOF_KIND_INVESTOR:
        if (c->present) {
            char kyc[48];
            if (c->kyc_expiry_days >= 0 && c->kyc_expiry_days <= 2932896) { /* to 9999-12-31 */
                utc(kyc, sizeof kyc, (uint64_t)c->kyc_expiry_days * 86400000ULL);
                kyc[10] = '\0'; /* the date alone: "YYYY-MM-DD" */
            } else {
                snprintf(kyc, sizeof kyc, "day %lld", (long long)c->kyc_expiry_days);
            }
            snprintf(s, len,
                     "account %s had an investor profile: %s, risk class C%llu, KYC valid "
                     "through %s",
                     acct, c->category == 1 ? "professional" : "ordinary",
                     (unsigned long long)c->risk_class, kyc);
        } else
            snprintf(s, len, "account %s had no investor profile", acct);
        break;
    default: {
        char k[2 * LDG_PROOF_KEY_MAX + 1], v[2 * 64 + 1];
        ldg_hex_encode(k, c->key, c->key_len);
        ldg_hex_encode(v, c->value, c->value_len < 64 ? c->value_len : 64);
        if (c->present)
            snprintf(s, len, "key %s held the %zu-byte value %s%s", k, c->value_len, v,
                     c->value_len > 64 ? "..." : "");
        else
            snprintf(s, len, "key %s was absent", k);
    }
    }
}

static json_t *claim_json(const ldg_proof_claim *c, const char *words)
{
    char root[65], hash[65];
    ldg_hex_encode(root, c->state_root.b, LDG_HASH_LEN);
    ldg_hex_encode(hash, c->block_hash.b, LDG_HASH_LEN);
    json_t *j = json_pack("{s:b,s:s,s:I,s:I,s:I,s:s,s:s,s:b,s:s}", "valid", 1, "chain_id",
                          c->chain_id, "kind", (json_int_t)c->kind, "height", (json_int_t)c->height,
                          "time_ms", (json_int_t)c->time_ms, "block_hash", hash, "state_root", root,
                          "present", c->present, "proves", words);
    if (c->kind == LDG_PROOF_KIND_HOLDING) {
        json_object_set_new(j, "quantity", json_integer((json_int_t)c->quantity));
        json_object_set_new(j, "register_total", json_integer((json_int_t)c->total));
        json_object_set_new(j, "supply", json_integer((json_int_t)c->supply));
        json_object_set_new(j, "scale", json_integer((json_int_t)c->scale));
    }
    return j;
}

/* A two-level bundle (specs/chains.md §6), trusting only the main chain's genesis. */
static int verify_two_level(cli_ctx *ctx, const char *file, uint8_t *bundle, size_t blen,
                            uint8_t *genesis, size_t glen)
{
    chn_xclaim *x = calloc(1, sizeof *x);
    LDG_ASSERT(x);
    ldg_proof_rc rc = chn_xproof_verify(bundle, blen, genesis, glen, x);
    free(bundle);
    free(genesis);
    int ret = CLI_OK;
    if (rc != LDG_PROOF_OK) {
        cli_fail(ctx, ldg_proof_rc_name(rc), "the two-level bundle %s is refused (%s): %s", file,
                 ldg_proof_rc_name(rc), x->why);
        ret = CLI_REJECTED;
    } else {
        char words[1024], mh[32];
        say(words, sizeof words, &x->sub);
        grouped(mh, sizeof mh, x->main.height, 0);
        if (ctx->json) {
            json_t *j = claim_json(&x->sub, words);
            json_object_set_new(j, "two_level", json_true());
            json_object_set_new(j, "subchain", json_string(x->id));
            json_object_set_new(j, "anchored_height", json_integer((json_int_t)x->anchor_height));
            json_object_set_new(j, "main_chain_id", json_string(x->main.chain_id));
            json_object_set_new(j, "main_height", json_integer((json_int_t)x->main.height));
            json_object_set_new(j, "main_signers", json_integer(x->main.signers));
            json_object_set_new(j, "main_validators", json_integer(x->main.validators));
            cli_print_json(j);
            json_decref(j);
        } else {
            printf("VALID: on sub-chain '%s' (chain %s), %s.\n", x->id, x->sub.chain_id, words);
            printf("Sub-chain block %llu, which carries that state's root, is anchored on main "
                   "chain %s: its checkpoint is in the main chain's state after block %s, "
                   "certified by %u of %u main-chain genesis validators (quorum %u).\n",
                   (unsigned long long)x->anchor_height, x->main.chain_id, mh, x->main.signers,
                   x->main.validators, ldg_quorum(x->main.validators));
        }
    }
    chn_xclaim_free(x);
    free(x);
    return ret;
}

static int verify(cli_ctx *ctx, int argc, char **argv)
{
    static const char *const opts[] = {"--genesis", NULL};
    if (!cli_check_opts(ctx, argc, argv, opts, NULL) ||
        !cli_check_positionals(ctx, argc, argv, opts, 1))
        return CLI_USAGE;
    const char *file = cli_pos(argc, argv, 0, opts), *gpath = cli_opt(argc, argv, "--genesis");
    char gdef[NET_PATH_MAX + 16];
    if (!file) {
        cli_fail(ctx, "USAGE", "proof verify needs FILE");
        return CLI_USAGE;
    }
    if (!gpath) {
        snprintf(gdef, sizeof gdef, "%s/genesis.bin", ctx->home);
        gpath = gdef;
    }
    size_t blen, glen;
    uint8_t *bundle = read_file(ctx, file, CHN_XPROOF_MAX + 1, &blen);
    if (!bundle)
        return CLI_LOCAL;
    uint8_t *genesis = read_file(ctx, gpath, LDG_BLOCK_SIZE_MAX, &glen);
    if (!genesis) {
        free(bundle);
        return CLI_LOCAL;
    }
    if (chn_xproof_sniff(bundle, blen))
        return verify_two_level(ctx, file, bundle, blen, genesis, glen);
    ldg_proof_claim c;
    ldg_proof_rc rc = ldg_proof_verify(bundle, blen, genesis, glen, &c);
    free(bundle);
    free(genesis);
    if (rc != LDG_PROOF_OK) {
        cli_fail(ctx, ldg_proof_rc_name(rc), "the bundle %s is refused (%s): %s", file,
                 ldg_proof_rc_name(rc), c.why);
        ldg_proof_claim_free(&c);
        return CLI_REJECTED;
    }
    char words[1024];
    say(words, sizeof words, &c);
    if (ctx->json) {
        json_t *j = claim_json(&c, words);
        cli_print_json(j);
        json_decref(j);
    } else {
        char next[32];
        grouped(next, sizeof next, c.height + 1, 0);
        printf("VALID: %s.\n", words);
        printf("Certified by block %s of chain %s: %u of %u genesis validators signed "
               "(quorum %u).\n",
               next, c.chain_id, c.signers, c.validators, ldg_quorum(c.validators));
    }
    ldg_proof_claim_free(&c);
    return CLI_OK;
}

int cli_proof_main(cli_ctx *ctx, int argc, char **argv)
{
    if (argc < 2) /* the dispatcher (cli_cmds.c) has checked the verb and its options */
        return CLI_USAGE;
    static const char *const verbs[] = {"holding",  "instrument", "participant",
                                        "investor", "key",        NULL};
    char **av = long_opts(argc, argv);
    int rc = -1;
    if (!strcmp(av[1], "verify"))
        rc = verify(ctx, argc - 1, av + 1);
    for (const char *const *v = verbs; rc < 0 && *v; v++)
        if (!strcmp(av[1], *v))
            rc = build(ctx, *v, argc - 1, av + 1);
    if (rc < 0) {
        cli_fail(ctx, "USAGE", "unknown proof command '%s' (see folio proof --help)", av[1]);
        rc = CLI_USAGE;
    }
    free(av);
    return rc;
}
