/* Money on the command line (specs/money.md): every amount a person types or reads is a
 * decimal in the currency's units; --json carries the exact minor units beside it. */
#include "cli.h"

#include <string.h>

#include "ast_money.h"

int cli_money_parse(cli_ctx *ctx, const char *what, const char *currency, const char *text,
                    bool allow_zero, uint64_t *minor)
{
    unsigned scale;
    if (!ast_money_currency_scale(currency, &scale)) {
        cli_fail(ctx, "BAD_CURRENCY", "'%s' is not a known ISO 4217 currency code (e.g. CNY)",
                 currency ? currency : "");
        return CLI_USAGE;
    }
    ast_money_err e = ast_money_parse(text, scale, minor);
    if (e == AST_MONEY_DECIMALS) {
        cli_fail(ctx, "BAD_AMOUNT", "%s %s has more decimals than %s allows (%u)", what, text,
                 currency, scale);
        return CLI_USAGE;
    }
    if (e != AST_MONEY_OK || (!allow_zero && *minor == 0)) {
        cli_fail(ctx, "BAD_AMOUNT",
                 "%s must be a %samount of %s in its units, e.g. 1250.50 (%s: '%s')", what,
                 allow_zero ? "" : "positive ", currency,
                 e != AST_MONEY_OK ? ast_money_err_str(e) : "zero", text ? text : "");
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_quantity_parse(cli_ctx *ctx, const char *what, const char *text, unsigned scale,
                       uint64_t *q)
{
    ast_money_err e = ast_money_parse(text, scale, q);
    if (e != AST_MONEY_OK || *q == 0) {
        if (scale == 0)
            cli_fail(ctx, "BAD_QUANTITY", "%s must be a positive whole number of units ('%s': %s)",
                     what, text ? text : "", e != AST_MONEY_OK ? ast_money_err_str(e) : "zero");
        else
            cli_fail(ctx, "BAD_QUANTITY",
                     "%s must be a positive quantity with at most %u decimals ('%s': %s)", what,
                     scale, text ? text : "", e != AST_MONEY_OK ? ast_money_err_str(e) : "zero");
        return CLI_USAGE;
    }
    return CLI_OK;
}

const char *cli_money_text(char out[CLI_MONEY_LEN], int64_t minor, const char *currency)
{
    unsigned scale = 0;
    char num[AST_MONEY_TEXT_LEN];
    if (!ast_money_currency_scale(currency, &scale)) {
        /* Not a currency we know: never print a bare minor-unit figure as if it were money. */
        snprintf(out, CLI_MONEY_LEN, "%s minor units of %s",
                 ast_money_format(num, sizeof num, minor, 0, true), currency ? currency : "?");
        return out;
    }
    snprintf(out, CLI_MONEY_LEN, "%s %s", ast_money_format(num, sizeof num, minor, scale, true),
             currency);
    return out;
}

const char *cli_quantity_text(char out[CLI_MONEY_LEN], int64_t q, unsigned scale)
{
    return ast_money_format(out, CLI_MONEY_LEN, q, scale, true);
}

const char *cli_money_json_text(char out[CLI_MONEY_LEN], const json_t *m)
{
    const json_t *minor = json_object_get(m, "minor");
    const char *cur = json_string_value(json_object_get(m, "currency"));
    if (!json_is_integer(minor) || !cur) {
        snprintf(out, CLI_MONEY_LEN, "?");
        return out;
    }
    return cli_money_text(out, (int64_t)json_integer_value(minor), cur);
}

const char *cli_amount_json_text(char out[CLI_MONEY_LEN], const json_t *obj, const char *key,
                                 unsigned scale)
{
    char mkey[48];
    snprintf(mkey, sizeof mkey, "%s_money", key);
    const json_t *m = json_object_get(obj, mkey);
    if (m)
        return cli_money_json_text(out, m);
    const json_t *q = json_object_get(obj, key);
    if (!json_is_integer(q)) {
        snprintf(out, CLI_MONEY_LEN, "?");
        return out;
    }
    return cli_quantity_text(out, (int64_t)json_integer_value(q), scale);
}

int cli_instrument_amount_parse(cli_ctx *ctx, const char *what, const char *id, const char *typed,
                                uint64_t *q, char text[CLI_MONEY_LEN])
{
    unsigned scale;
    char tmp[CLI_MONEY_LEN], n[CLI_MONEY_LEN];
    char *out = text ? text : tmp;
    if (id && ast_money_currency_scale(id, &scale)) {
        if (cli_money_parse(ctx, what, id, typed, false, q) != CLI_OK)
            return CLI_USAGE;
        cli_money_text(out, (int64_t)*q, id);
        return CLI_OK;
    }
    if (cli_quantity_parse(ctx, what, typed, 0, q) != CLI_OK)
        return CLI_USAGE;
    snprintf(out, CLI_MONEY_LEN, "%s %.12s", cli_quantity_text(n, (int64_t)*q, 0), id ? id : "");
    return CLI_OK;
}
