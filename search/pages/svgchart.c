/* svgchart.c -- stacked bars and a ratio line as inline SVG. */
#include "svgchart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The drawing area inside the viewBox, in user units. */
#define W 760.0
#define H 300.0
#define LEFT 52.0
#define RIGHT 56.0
#define TOP 16.0
#define BOTTOM 44.0
#define MAX_XLABELS 10

#define INK "#4b5565"
#define GRID "#e4e8ef"
#define AXIS "#7b8494"

/* A round step for about four grid lines up to max: 1, 2 or 5 times a
 * power of ten, never below 1 (counts are whole). */
static double nice_step(double max)
{
    if (max <= 4)
        return 1;
    double raw = max / 4, mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    return step < 1 ? 1 : step;
}

/* A label; transform: a transform attribute's value, or NULL. */
static void text(struct html *out, double x, double y, const char *anchor, const char *s,
                 const char *transform)
{
    html_fmt(out, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
    html_attr(out, "text-anchor", anchor);
    html_lit(out, " fill=\"" INK "\" font-size=\"12\"");
    if (transform)
        html_attr(out, "transform", transform);
    html_lit(out, ">");
    html_text(out, s);
    html_lit(out, "</text>\n");
}

void svgchart_legend(const struct svgchart *c, struct html *out)
{
    html_lit(out, "<ul class=\"chart-legend\">\n");
    for (size_t k = 0; k <= c->nbars; k++) {
        const struct svgchart_series *s = k < c->nbars ? &c->bars[k] : c->line;
        if (!s)
            break;
        html_lit(out, "<li><svg class=\"chart-key\" viewBox=\"0 0 18 12\" width=\"18\" "
                      "height=\"12\" aria-hidden=\"true\" focusable=\"false\">");
        if (k < c->nbars) {
            html_lit(out, "<rect x=\"3\" width=\"12\" height=\"12\" rx=\"2\"");
            html_attr(out, "fill", s->color);
            html_lit(out, "/>");
        } else {
            html_lit(out, "<line x1=\"0\" y1=\"6\" x2=\"18\" y2=\"6\"");
            html_attr(out, "stroke", s->color);
            html_lit(out, " stroke-width=\"2.5\"/><circle cx=\"9\" cy=\"6\" r=\"3.5\" "
                          "fill=\"#fff\"");
            html_attr(out, "stroke", s->color);
            html_lit(out, " stroke-width=\"2\"/>");
        }
        html_lit(out, "</svg>");
        html_text(out, s->name);
        html_lit(out, "</li>\n");
    }
    html_lit(out, "</ul>\n");
}

/* p (0..100) through fmt, whose "{n}" is the number ("{n}%"). */
static void percent_label(const char *fmt, int p, char *out, size_t len)
{
    const char *at = fmt ? strstr(fmt, "{n}") : NULL;
    if (!at) {
        snprintf(out, len, "%d%%", p);
        return;
    }
    snprintf(out, len, "%.*s%d%s", (int)(at - fmt), fmt, p, at + 3);
}

static void axes(const struct svgchart *c, double ymax, double step, struct html *out)
{
    double ph = H - TOP - BOTTOM;
    char num[64];
    for (double v = 0; v <= ymax + 1e-9; v += step) {
        double y = TOP + ph - v / ymax * ph;
        if (v == 0)
            html_fmt(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"" AXIS "\"/>\n", LEFT, y, W - RIGHT, y);
        else
            html_fmt(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"" GRID "\"/>\n", LEFT, y, W - RIGHT, y);
        snprintf(num, sizeof num, "%.0f", v);
        text(out, LEFT - 8, y + 4, "end", num, NULL);
    }
    if (c->line)
        for (int p = 0; p <= 100; p += 25) {
            double y = TOP + ph - p / 100.0 * ph;
            percent_label(c->percent, p, num, sizeof num);
            text(out, W - RIGHT + 8, y + 4, "start", num, NULL);
        }
    char rot[96];
    snprintf(rot, sizeof rot, "rotate(-90 %.1f %.1f)", 14.0, TOP + ph / 2);
    if (c->left_title)
        text(out, 14, TOP + ph / 2, "middle", c->left_title, rot);
    snprintf(rot, sizeof rot, "rotate(90 %.1f %.1f)", W - 10, TOP + ph / 2);
    if (c->line && c->right_title)
        text(out, W - 10, TOP + ph / 2, "middle", c->right_title, rot);
    /* x labels: at most MAX_XLABELS, evenly thinned, the last one kept. */
    size_t every = c->n > MAX_XLABELS ? (c->n + MAX_XLABELS - 1) / MAX_XLABELS : 1;
    double bw = (W - LEFT - RIGHT) / (double)(c->n ? c->n : 1);
    for (size_t i = 0; i < c->n; i++)
        if ((c->n - 1 - i) % every == 0)
            text(out, LEFT + bw * ((double)i + .5), H - BOTTOM + 18, "middle", c->labels[i],
                 NULL);
}

static void bars(const struct svgchart *c, double ymax, struct html *out)
{
    double ph = H - TOP - BOTTOM, bw = (W - LEFT - RIGHT) / (double)c->n;
    double w = bw * .62 > 36 ? 36 : bw * .62;
    for (size_t i = 0; i < c->n; i++) {
        double base = 0, x = LEFT + bw * ((double)i + .5) - w / 2;
        for (size_t k = 0; k < c->nbars; k++) {
            double v = c->bars[k].values[i];
            if (v <= 0)
                continue;
            double y0 = TOP + ph - base / ymax * ph, y1 = TOP + ph - (base + v) / ymax * ph;
            html_fmt(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y1,
                     w, y0 - y1);
            html_attr(out, "fill", c->bars[k].color);
            html_lit(out, "><title>");
            html_text(out, c->labels[i]);
            html_lit(out, ": ");
            html_text(out, c->bars[k].name);
            html_fmt(out, " %.0f</title></rect>\n", v);
            base += v;
        }
    }
}

static void line(const struct svgchart *c, struct html *out)
{
    const struct svgchart_series *s = c->line;
    double ph = H - TOP - BOTTOM, bw = (W - LEFT - RIGHT) / (double)c->n;
    int open = 0;
    for (size_t i = 0; i < c->n; i++) {
        double v = s->values[i];
        if (v < 0) {
            if (open)
                html_lit(out, "\"/>\n");
            open = 0;
            continue;
        }
        double x = LEFT + bw * ((double)i + .5), y = TOP + ph - (v > 1 ? 1 : v) * ph;
        if (!open) {
            html_lit(out, "<polyline fill=\"none\"");
            html_attr(out, "stroke", s->color);
            /* The points attribute stays open for numbers only. */
            html_lit(out, " stroke-width=\"2.5\" stroke-linejoin=\"round\" points=\"");
            html_fmt(out, "%.1f,%.1f", x, y);
        } else {
            html_fmt(out, " %.1f,%.1f", x, y);
        }
        open = 1;
    }
    if (open)
        html_lit(out, "\"/>\n");
    for (size_t i = 0; i < c->n; i++) {
        double v = s->values[i];
        if (v < 0)
            continue;
        double x = LEFT + bw * ((double)i + .5), y = TOP + ph - (v > 1 ? 1 : v) * ph;
        html_fmt(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\"", x, y);
        html_attr(out, "stroke", s->color);
        html_lit(out, " stroke-width=\"2.5\"><title>");
        html_text(out, c->labels[i]);
        html_lit(out, ": ");
        html_text(out, s->name);
        html_fmt(out, " %.0f%%</title></circle>\n", v * 100);
    }
}

void svgchart_render(const struct svgchart *c, struct html *out)
{
    double max = 0;
    for (size_t i = 0; i < c->n; i++) {
        double sum = 0;
        for (size_t k = 0; k < c->nbars; k++)
            sum += c->bars[k].values[i] > 0 ? c->bars[k].values[i] : 0;
        if (sum > max)
            max = sum;
    }
    double step = nice_step(max);
    double ymax = ceil(max / step) * step;
    if (ymax < step * 4)
        ymax = step * 4;
    char ids[96], id[48];
    snprintf(ids, sizeof ids, "%s-title %s-desc", c->id, c->id);
    html_fmt(out, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\"", W, H);
    html_attr(out, "aria-labelledby", ids);
    html_lit(out, " font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">\n"
                  "<title");
    snprintf(id, sizeof id, "%s-title", c->id);
    html_attr(out, "id", id);
    html_lit(out, ">");
    html_text(out, c->title);
    html_lit(out, "</title>\n<desc");
    snprintf(id, sizeof id, "%s-desc", c->id);
    html_attr(out, "id", id);
    html_lit(out, ">");
    if (c->desc)
        html_append(out, c->desc);
    html_lit(out, "</desc>\n");
    axes(c, ymax, step, out);
    if (c->n) {
        bars(c, ymax, out);
        if (c->line)
            line(c, out);
    }
    html_lit(out, "</svg>\n");
}
