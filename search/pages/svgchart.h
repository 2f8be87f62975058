/* svgchart.h -- charts drawn by the server as inline SVG, so they read
 * without JavaScript: stacked bars of counts on the left axis and an
 * optional line of ratios (0..1) on a percentage axis at the right,
 * with axis labels and <title>/<desc> for screen readers, and a legend
 * in HTML beside it (so it wraps on a phone while the chart scrolls).
 * Pair every chart with a data table (the chart is role="img"). */
#ifndef KB_SVGCHART_H
#define KB_SVGCHART_H

#include "html.h"

#include <stddef.h>

struct svgchart_series {
    const char *name;     /* legend text (plain text, escaped here) */
    const char *color;    /* a CSS colour such as "#146c2e" */
    const double *values; /* n values; a negative ratio is "no data" */
};

struct svgchart {
    const char *id;                 /* element id prefix, [a-z0-9-] */
    const char *title;              /* plain text */
    const struct html *desc;        /* the description (page_tf()), or NULL */
    size_t n;                       /* intervals (bars) */
    const char *const *labels;      /* n x-axis labels */
    const struct svgchart_series *bars; /* stacked bottom up */
    size_t nbars;
    const struct svgchart_series *line; /* ratios, or NULL */
    const char *left_title, *right_title; /* axis titles, plain text */
    const char *percent; /* the right axis' labels, "{n}%" or "{n} %" for
                            the page's language; NULL: "{n}%" */
};

/* Appends the chart as one <svg> element (viewBox-scaled, no fixed
 * size) to out, built with the HTML builder: text and colours are
 * escaped, numbers formatted. */
void svgchart_render(const struct svgchart *c, struct html *out);

/* Appends the chart's legend: a <ul class="chart-legend"> with one
 * item per series (a colour key and its escaped name). */
void svgchart_legend(const struct svgchart *c, struct html *out);

#endif
