// SPDX-License-Identifier: GPL-2.0
/*
 * Stats file benchmark: how long the daemon spends rendering and atomically
 * replacing the Prometheus file for 1000 VIPs of 10 backends each (a
 * quarter of them IPv6). Prints "NAME VALUE UNIT" lines, each the median
 * of several runs; the file goes to a fresh directory under /tmp.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "stats.h"
#include "xlb.h"
#include "bench/bench.h"

#define RUNS		9	/* odd, so the median is one run */
#define VIPS		1000
#define PER_VIP		10

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* VIP i and its backends, with counters of realistic magnitude. */
static int bench_snapshot(struct stats_snapshot *s, struct stats_vip *vips,
			  struct stats_backend *be)
{
	char a[ADDR_STRLEN];
	size_t i, j;
	int err;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < VIPS; i++) {
		bool v6 = i % 4 == 3;

		if (v6)
			snprintf(a, sizeof(a), "2001:db8::%zx", i + 1);
		else
			snprintf(a, sizeof(a), "198.18.%zu.%zu", i / 250,
				 i % 250 + 1);
		err = addr_parse(a, &vips[i].addr);
		if (err)
			return err;
		vips[i].port = 80 + i % 3;
		vips[i].proto = i % 5 ? IPPROTO_TCP : IPPROTO_UDP;
		vips[i].packets = 123456789012ull + i;
		vips[i].bytes = 98765432109876ull + i;
		vips[i].new_flows = 1234567 + i;
		for (j = 0; j < PER_VIP; j++) {
			struct stats_backend *b = &be[i * PER_VIP + j];
			size_t k = i * PER_VIP + j;

			if (v6)
				snprintf(a, sizeof(a), "2001:db8:1::%zx:%zx",
					 i + 1, j + 1);
			else
				snprintf(a, sizeof(a), "198.19.%zu.%zu",
					 k / 250, k % 250 + 1);
			err = addr_parse(a, &b->addr);
			if (err)
				return err;
			b->vip = i;
			b->packets = vips[i].packets / PER_VIP + j;
			b->bytes = vips[i].bytes / PER_VIP + j;
			b->new_flows = vips[i].new_flows / PER_VIP + j;
			b->active_flows = 1000 + j;
			b->weight = 100;
			b->up = true;
			b->checks[STATS_HC_OK] = 86400 + j;
			b->checks[STATS_HC_FAIL] = j;
			b->checks[STATS_HC_TIMEOUT] = j / 2;
		}
	}
	s->vips = vips;
	s->n_vips = VIPS;
	s->backends = be;
	s->n_backends = VIPS * PER_VIP;
	for (i = 0; i < XLB_STAT_MAX; i++)
		s->global[i].packets = 1000000000ull * (i + 1);
	s->ct_entries = 3000000;
	s->ct_capacity = XLB_CONNTRACK_DEFAULT;
	s->version = "bench";
	s->time_ms = 1764259049000ull;
	return 0;
}

static int render_ms(const struct stats_snapshot *s, double *out)
{
	double t[RUNS];
	int i, err = 0;

	for (i = 0; i < RUNS && !err; i++) {
		/* stdio to /dev/null: the cost of the text alone. */
		FILE *f = fopen("/dev/null", "w");
		double t0;

		if (!f)
			return -errno;
		t0 = now_ms();
		err = stats_render(s, f);
		t[i] = now_ms() - t0;
		fclose(f);
	}
	if (!err)
		*out = bench_median(t, RUNS);
	return err;
}

static int write_ms(const struct stats_snapshot *s, const char *path,
		    double *out)
{
	double t[RUNS];
	int i, err;

	/* Warm the page cache and allocator once, untimed. */
	err = stats_write_file(path, s);
	for (i = 0; i < RUNS && !err; i++) {
		double t0 = now_ms();

		err = stats_write_file(path, s);
		t[i] = now_ms() - t0;
	}
	if (!err)
		*out = bench_median(t, RUNS);
	return err;
}

int main(void)
{
	char dir[] = "/tmp/xlb-bench-stats.XXXXXX";
	struct stats_backend *be;
	struct stats_snapshot s;
	struct stats_vip *vips;
	char path[64];
	double v = 0;
	struct stat st;
	int err;

	vips = calloc(VIPS, sizeof(*vips));
	be = calloc(VIPS * PER_VIP, sizeof(*be));
	if (!vips || !be) {
		err = -ENOMEM;
		goto fail;
	}
	err = bench_snapshot(&s, vips, be);
	if (err)
		goto fail;
	err = render_ms(&s, &v);
	if (err)
		goto fail;
	printf("stats_render_ms %.3f ms\n", v);
	if (!mkdtemp(dir)) {
		err = -errno;
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/xlb.prom", dir);
	err = write_ms(&s, path, &v);
	if (!err && stat(path, &st))
		err = -errno;
	unlink(path);
	rmdir(dir);
	if (err)
		goto fail;
	printf("stats_write_ms %.3f ms\n", v);
	printf("stats_file_bytes %lld bytes\n", (long long)st.st_size);
	free(be);
	free(vips);
	return 0;
fail:
	fprintf(stderr, "bench_stats: %s\n", strerror(-err));
	free(be);
	free(vips);
	return 1;
}
