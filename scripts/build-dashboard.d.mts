/** Types of build-dashboard.mjs, for the tests that build the dashboard before they run. */
export declare const dashboardOutput: string;
export declare function buildDashboard(): Promise<void>;
export declare function isDashboardStale(): Promise<boolean>;
/** Builds when stale; resolves to whether it built. */
export declare function ensureDashboard(): Promise<boolean>;
