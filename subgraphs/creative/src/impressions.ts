/**
 * Where `Placement.impressions` comes from. Telemetry owns impression counts (DESIGN.md:
 * telemetry extends Placement with impressions); until it serves them, creative answers
 * 0 through the graph and keeps no copy of telemetry's data. The seam: when telemetry's
 * subgraph resolves `Placement.impressions` (with `@override(from: "creative")`), this
 * field and this file go; nothing else in creative reads impressions.
 */
export interface ImpressionCounts {
  /** Impressions by placement id. */
  forPlacements(placementIds: readonly string[]): Promise<number[]>;
}

/** Until telemetry counts: none. */
export const NO_IMPRESSIONS_YET: ImpressionCounts = {
  async forPlacements(placementIds) {
    return placementIds.map(() => 0);
  },
};
