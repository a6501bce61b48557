using System.Text.Json.Serialization;

namespace PartitionKeys;

/// <summary>Reflection-free JSON for the few values this function serializes outside the hot path.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class PartitionKeysJsonContext : JsonSerializerContext;
