namespace DynamoLake.Core.Changes;

/// <summary>Wire names of <see cref="ReasonCode"/>.</summary>
public static class ReasonCodes
{
    public static string ToWire(this ReasonCode code) => code switch
    {
        ReasonCode.None => "none",
        ReasonCode.MissingData => "missing_data",
        ReasonCode.InvalidBase64 => "invalid_base64",
        ReasonCode.InvalidJson => "invalid_json",
        ReasonCode.UnknownShape => "unknown_shape",
        ReasonCode.UnknownEventName => "unknown_event_name",
        ReasonCode.MissingImage => "missing_image",
        ReasonCode.MissingEventTime => "missing_event_time",
        ReasonCode.MissingRequiredColumn => "missing_required_column",
        ReasonCode.InvalidAttributeValue => "invalid_attribute_value",
        ReasonCode.TypeMismatch => "type_mismatch",
        ReasonCode.Overflow => "overflow",
        ReasonCode.InexactNumber => "inexact_number",
        ReasonCode.InvalidValue => "invalid_value",
        ReasonCode.ResponseTooLarge => "response_too_large",
        ReasonCode.MissingPartitionValue => "missing_partition_value",
        ReasonCode.InvalidPartitionValue => "invalid_partition_value",
        ReasonCode.PartitionMoved => "partition_moved",
        ReasonCode.UnknownPartition => "unknown_partition",
        ReasonCode.UnknownEntity => "unknown_entity",
        ReasonCode.EntityMoved => "entity_moved",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>Every code, in declaration order (for complete metrics and docs).</summary>
    public static IReadOnlyList<ReasonCode> All { get; } = Enum.GetValues<ReasonCode>();
}
