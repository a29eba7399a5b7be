import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { primaryPool } from '../database/primary-pool.js';
import { SessionCacheStats } from '../sessions/session.cache.js';

/**
 * The service's Prometheus registry. Request durations are observed by a Fastify hook (every
 * route, including the ones Nest does not own); cache and pool figures are read when scraped,
 * from the objects that already keep them.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectDataSource() private readonly db: DataSource,
    stats: SessionCacheStats,
  ) {
    collectDefaultMetrics({ register: this.registry });
    new Counter({
      name: 'session_cache_operations_total',
      help: 'Session cache lookups by result (hit, miss) and failed cache operations (error)',
      labelNames: ['result'],
      registers: [this.registry],
      collect() {
        // The cache keeps monotonic totals; mirror them at scrape time.
        this.reset();
        this.inc({ result: 'hit' }, stats.hits);
        this.inc({ result: 'miss' }, stats.misses);
        this.inc({ result: 'error' }, stats.errors);
      },
    });
    const pool = () => primaryPool(this.db);
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections by state (total, idle, waiting clients)',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const current = pool();
        this.set({ state: 'total' }, current?.totalCount ?? 0);
        this.set({ state: 'idle' }, current?.idleCount ?? 0);
        this.set({ state: 'waiting' }, current?.waitingCount ?? 0);
      },
    });
  }

  onModuleInit(): void {
    // No HTTP server in an application context (the cleanup CLI, the worker process).
    if (!this.adapterHost.httpAdapter) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.requestDuration.observe({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
      done();
    });
  }

  /** A counter registered on this registry, for other modules (cleanup passes, worker jobs). */
  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return (this.registry.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
