using System.Globalization;

namespace TableProvisioner;

/// <summary>The provisioner's configuration, read once per container from environment variables.</summary>
public sealed record ProvisionerSettings
{
    /// <summary>Seconds the function may work before it must have answered; the template sets it below the function timeout.</summary>
    public const string DeadlineVariable = "DEADLINE_SECONDS";

    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(60);

    public TimeSpan Deadline { get; init; } = DefaultDeadline;

    /// <summary>The S3 Tables endpoint override (AWS_ENDPOINT_URL_S3TABLES, then AWS_ENDPOINT_URL), if any.</summary>
    public Uri? EndpointOverride { get; init; }

    /// <summary>The Lake Formation endpoint override (AWS_ENDPOINT_URL_LAKEFORMATION, then AWS_ENDPOINT_URL), if any.</summary>
    public Uri? LakeFormationEndpointOverride { get; init; }

    /// <summary>The part of the deadline kept for sending the answer.</summary>
    public TimeSpan ResponseReserve => TimeSpan.FromTicks(Math.Min(Deadline.Ticks / 4, TimeSpan.FromSeconds(10).Ticks));

    /// <summary>The environment variables this function reads (the template test checks the required one is set).</summary>
    public static IReadOnlyList<string> Variables { get; } = [DeadlineVariable];

    public static ProvisionerSettings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    public static ProvisionerSettings From(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var deadline = DefaultDeadline;
        if (lookup(DeadlineVariable) is { Length: > 0 } text)
        {
            deadline = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 900
                ? TimeSpan.FromSeconds(seconds)
                : throw new InvalidOperationException($"{DeadlineVariable} is \"{text}\"; expected seconds between 1 and 900.");
        }

        return new ProvisionerSettings
        {
            Deadline = deadline,
            EndpointOverride = Endpoint(lookup, "AWS_ENDPOINT_URL_S3TABLES"),
            LakeFormationEndpointOverride = Endpoint(lookup, "AWS_ENDPOINT_URL_LAKEFORMATION"),
        };
    }

    /// <summary>The SDK convention: the service's own variable, then AWS_ENDPOINT_URL for all.</summary>
    private static Uri? Endpoint(Func<string, string?> lookup, string serviceVariable)
    {
        var (name, value) = lookup(serviceVariable) is { } own ? (serviceVariable, own) : ("AWS_ENDPOINT_URL", lookup("AWS_ENDPOINT_URL"));
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new InvalidOperationException($"{name} is \"{value}\"; expected an http(s) URL such as http://127.0.0.1:4566.");
    }
}
