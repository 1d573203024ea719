using System.Text.Json.Serialization;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// One producer's share of a fleet run: insert numbers From..From+Count-1 as rows {Process, number}
/// into Table, in batches of Chunk rows carrying ProducerId and sequence numbers 1, 2, … Running a
/// job again (after its worker died) inserts nothing twice: the table skips the batches it stored.
/// </summary>
internal sealed record FleetJob(string Table, string ProducerId, string Process, long From, long Count, int Chunk);

/// <summary>A worker's report on a job: rows confirmed so far, and whether it is done (or failed, with an error).</summary>
internal sealed record FleetJobReport(string ProducerId, long Rows, bool Done, string? Error = null);

/// <summary>Source-generated JSON for fleet jobs.</summary>
[JsonSerializable(typeof(FleetJob))]
[JsonSerializable(typeof(FleetJobReport))]
internal sealed partial class FleetJsonContext : JsonSerializerContext;
