/* server.h -- the libmicrohttpd server: start, the port, stop.  The
 * request cycle (server.c) reads each request into a struct request
 * (request.h), finds its handler (routes.h) and sends the reply. */
#ifndef KB_SERVER_H
#define KB_SERVER_H

#include "request.h"

/* Starts listening; returns 0, or -1 with err filled. */
int server_start(struct app *app, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned server_port(const struct app *app);
void server_stop(struct app *app);

#endif
