/* Values of options and arguments, judged by their placeholder in the command table
 * (cli_cmds.c) before the command runs: ISINs, currency codes and enum values are accepted
 * in any case and rewritten to the one spelling the ledger keeps; a wrong ISIN check digit
 * is refused saying which digit it should be; an enum value or role that is not one of the
 * listed ones is refused with the list and a "did you mean". Everything else is the
 * command's to judge (it names the ledger's codes). */
#include "cli_cmds.h"

#include "ast_isin.h"
#include "ldg_exec.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define ALTS_MAX 16

static void upper(char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++)
        s[i] = (char)toupper((unsigned char)s[i]);
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* An instrument id of n bytes at s, upper-cased in place: a 12-character one that is an
 * ISIN but for its check digit is refused naming the right digit. Currency codes (cash
 * instruments) and anything else are left to the command. */
static int instrument(cli_ctx *ctx, const char *what, char *s, size_t n)
{
    upper(s, n);
    if (n != AST_ISIN_LEN || ast_isin_validate(s, n) != AST_ISIN_ERR_CHECK_DIGIT)
        return CLI_OK;
    char digit = '?';
    if (ast_isin_check_digit(&digit, s, AST_ISIN_LEN - 1) != AST_ISIN_OK)
        return CLI_OK;
    cli_fail(ctx, "BAD_ISIN",
             "%s: the check digit of %.*s is wrong: it should be %c (%.*s%c), not %c", what, (int)n,
             s, digit, AST_ISIN_LEN - 1, s, digit, s[AST_ISIN_LEN - 1]);
    return CLI_USAGE;
}

/* A currency code, upper-cased in place; one the ledger does not know is refused with the
 * closest known code. */
static int currency(cli_ctx *ctx, const char *what, char *s, size_t n)
{
    upper(s, n);
    const ast_currency *c;
    /* a wrong length or a non-letter: the command's to judge */
    if (n != AST_CURRENCY_LEN || ast_currency_lookup(&c, s, n) != AST_ISIN_ERR_UNKNOWN_CURRENCY)
        return CLI_OK;
    const char *codes[64];
    size_t k = 0;
    for (const ast_currency *a; k < 64 && (a = ast_currency_at(k)); k++)
        codes[k] = a->code;
    char word[AST_CURRENCY_LEN + 1];
    memcpy(word, s, n);
    word[n] = 0;
    const char *near = cli_suggest(word, codes, k);
    cli_fail(ctx, "BAD_CURRENCY", "%s: '%s' is not a currency the ledger knows%s%s%s", what, word,
             near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
    return CLI_USAGE;
}

/* A placeholder "a|b|c" whose alternatives are all literal words (each has a lower-case
 * letter or a digit and no '.', unlike placeholders such as FILE, FILE.json or
 * YYYY-MM-DD): their count, the alternatives copied into alts. */
static size_t enum_alts(const char *ph, char alts[][64])
{
    if (!strchr(ph, '|'))
        return 0;
    size_t n = 0;
    for (const char *p = ph; *p && n < ALTS_MAX;) {
        size_t l = strcspn(p, "|");
        bool literal = false;
        for (size_t i = 0; i < l; i++)
            literal |= islower((unsigned char)p[i]) || isdigit((unsigned char)p[i]);
        if (!literal || l >= 64 || memchr(p, '.', l))
            return 0;
        memcpy(alts[n], p, l);
        alts[n++][l] = 0;
        p += l + (p[l] == '|');
    }
    return n;
}

/* The code a command names for a bad value of this option (kept from before the table
 * checked values, so scripts see the same code); USAGE for the others. */
static const char *enum_code(const char *what)
{
    static const char *const codes[][2] = {{"--side", "BAD_SIDE"},
                                           {"--category", "BAD_INVESTOR"},
                                           {"--frequency", "BAD_TERMS"},
                                           {"--day-count", "BAD_TERMS"}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (!strcmp(what, codes[i][0]))
            return codes[i][1];
    return "USAGE";
}

/* One of the listed words, in any case: rewritten to the listed spelling (same length). */
static int one_of(cli_ctx *ctx, const char *what, char *v, char alts[][64], size_t n)
{
    const char *ptrs[ALTS_MAX];
    char list[512] = "";
    size_t l = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcasecmp(v, alts[i])) {
            memcpy(v, alts[i], strlen(alts[i]));
            return CLI_OK;
        }
        ptrs[i] = alts[i];
        l += (size_t)snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", alts[i]);
        if (l >= sizeof list)
            l = sizeof list - 1;
    }
    const char *near = strlen(v) <= CLI_SUGGEST_LEN_MAX ? cli_suggest(v, ptrs, n) : NULL;
    cli_fail(ctx, enum_code(what), "%s: '%.64s' is not one of %s%s%s%s", what, v, list,
             near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    return CLI_USAGE;
}

/* "ROLE[,ROLE...]": lower-cased in place; each must be a role name. */
static int roles(cli_ctx *ctx, const char *what, char *v)
{
    lower(v);
    char all[256], bad[64];
    ldg_roles_format(UINT32_MAX, all, sizeof all);
    if (!*v || ldg_roles_parse(v, bad, sizeof bad))
        return CLI_OK; /* empty: the command says what is missing */
    const char *names[32];
    size_t k = 0;
    for (char *save = NULL, *r = strtok_r(all, ",", &save); r && k < 32;
         r = strtok_r(NULL, ",", &save))
        names[k++] = r;
    const char *near = strlen(bad) <= CLI_SUGGEST_LEN_MAX ? cli_suggest(bad, names, k) : NULL;
    char list[256] = "";
    for (size_t i = 0, l = 0; i < k && l < sizeof list; i++)
        l += (size_t)snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", names[i]);
    cli_fail(ctx, "BAD_ROLE", "%s: unknown role '%s'%s%s%s; roles: %s", what, bad,
             near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", list);
    return CLI_USAGE;
}

/* "R1..R5", "C1..C5": the letter in any case. */
static bool is_range(const char *ph)
{
    return strlen(ph) == 6 && isupper((unsigned char)ph[0]) && isdigit((unsigned char)ph[1]) &&
           !strncmp(ph + 2, "..", 2) && ph[4] == ph[0] && isdigit((unsigned char)ph[5]);
}

int cli_value_check(cli_ctx *ctx, const char *what, const char *ph, char *v)
{
    char alts[ALTS_MAX][64];
    size_t n;
    if (!strcmp(ph, "ISIN"))
        return instrument(ctx, what, v, strlen(v));
    if (!strcmp(ph, "ISIN:QTY"))
        return instrument(ctx, what, v, strcspn(v, ":"));
    if (!strcmp(ph, "CCY"))
        return currency(ctx, what, v, strlen(v));
    if (!strcmp(ph, "CCY:AMOUNT"))
        return currency(ctx, what, v, strcspn(v, ":"));
    if (!strcmp(ph, "ROLE[,ROLE...]"))
        return roles(ctx, what, v);
    if (is_range(ph)) {
        if (v[0] == tolower((unsigned char)ph[0]))
            v[0] = ph[0];
        return CLI_OK;
    }
    if ((n = enum_alts(ph, alts)) > 0)
        return one_of(ctx, what, v, alts, n);
    return CLI_OK;
}
