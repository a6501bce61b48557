using System.Text.Json.Serialization;

namespace TableProvisioner;

/// <summary>Reflection-free JSON for the custom-resource wire types (CloudFormation's PascalCase names).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CustomResourceRequest))]
[JsonSerializable(typeof(CustomResourceResponse))]
internal sealed partial class ProvisionerJsonContext : JsonSerializerContext;
