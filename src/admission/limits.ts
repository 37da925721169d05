/**
 * Limits: the admission quotas of classes and tenants, checked at submit().
 * A limit reached is a clear refusal with a code, never a silent drop:
 * - class `maxQueue`: that class's queued tasks → E_QUEUE_FULL;
 * - class `ratePerSec` (+ `burst`): submissions per second → E_RATE_LIMITED;
 * - class `tenantRatePerSec`: the same per tenant of the class → E_RATE_LIMITED.
 * (A pool's `ratePerSec` is not an admission limit: it paces dispatch, so
 * tasks wait for it in the queue; see pool/native-pool.ts.)
 *
 * Tenant buckets are created on first use and dropped once full again (a
 * full bucket is the same as a new one), so idle tenants cost no memory
 * beyond a sweep every TENANT_SWEEP_EVERY admissions.
 */
import { refusal } from '../errors.js';
import { TokenBucket, defaultBurst } from './token-bucket.js';

/** Admissions between sweeps of the tenant buckets. */
const TENANT_SWEEP_EVERY = 4096;

export interface ClassLimits {
  name: string;
  maxQueue?: number;
  ratePerSec?: number;
  burst?: number;
  tenantRatePerSec?: number;
}

export class Limits {
  private readonly rate: TokenBucket | undefined;
  private readonly tenants = new Map<string, TokenBucket>();
  private admissions = 0;

  constructor(
    private readonly cls: ClassLimits,
    now: number,
  ) {
    if (cls.ratePerSec !== undefined) this.rate = new TokenBucket(cls.ratePerSec, cls.burst ?? defaultBurst(cls.ratePerSec), now);
  }

  /** Throws the refusal, or takes the tokens the task needs. */
  admit(queued: number, tenant: string | undefined, now: number): void {
    const c = this.cls;
    if (c.maxQueue !== undefined && queued >= c.maxQueue) {
      throw refusal('E_QUEUE_FULL', `class ${c.name} has ${queued} tasks queued; its maxQueue is ${c.maxQueue}`);
    }
    let bucket: TokenBucket | undefined;
    if (c.tenantRatePerSec !== undefined) {
      const key = tenant ?? '';
      bucket = this.tenants.get(key);
      if (bucket === undefined) {
        bucket = new TokenBucket(c.tenantRatePerSec, defaultBurst(c.tenantRatePerSec), now);
        this.tenants.set(key, bucket);
      }
      if (!bucket.has(now))
        throw refusal('E_RATE_LIMITED', `tenant ${JSON.stringify(key.slice(0, 64))} of class ${c.name} is over ${c.tenantRatePerSec} tasks/s`);
    }
    if (this.rate !== undefined && !this.rate.take(now)) throw refusal('E_RATE_LIMITED', `class ${c.name} is over ${c.ratePerSec} tasks/s`);
    bucket?.take(now);
    if (++this.admissions % TENANT_SWEEP_EVERY === 0) this.sweep(now);
  }

  /** Tenant buckets held now (for tests). */
  get tenantBuckets(): number {
    return this.tenants.size;
  }

  private sweep(now: number): void {
    for (const [k, b] of this.tenants) if (b.full(now)) this.tenants.delete(k);
  }
}
