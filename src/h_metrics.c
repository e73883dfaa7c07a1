/*
 * h_metrics: GET /metrics, lkgate's counters in the Prometheus text
 * format (see metrics.h).  Unauthenticated, like the health routes:
 * expose it only where Prometheus can reach it.
 */
#include <stdlib.h>

#include "handlers.h"
#include "httpfront.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"

void
h_metrics(struct rq *rq)
{
	char *text;
	size_t len;

	metrics_counter_set(rq_gate(rq)->metrics, MC_LOG_LINES_DROPPED,
	    log_dropped());
	text = metrics_render(rq_gate(rq)->metrics, &len);
	rq_reply_data(rq, 200, "text/plain; version=0.0.4; charset=utf-8",
	    text, len);
	free(text);
}
