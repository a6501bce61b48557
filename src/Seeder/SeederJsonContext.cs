using System.Text.Json.Serialization;

namespace Seeder;

/// <summary>Reflection-free JSON for the Seeder's request and summary.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SeedRequest))]
[JsonSerializable(typeof(SeedResponse))]
internal sealed partial class SeederJsonContext : JsonSerializerContext;
