-- Fair claiming asks, per tenant, when it last had a job started: one index lookup each.
CREATE INDEX jobs_by_tenant_started ON jobs (tenant, started_at);
