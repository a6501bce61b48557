namespace DynamoLake.Local;

/// <summary>An exception as one line a person can act on: its message and its inner causes, never a stack trace.</summary>
internal static class ErrorText
{
    /// <summary>An AWS SDK call's failure as the commands print it: which service's call, then what it said.</summary>
    public static string ServiceCall(Exception error) =>
        $"{(error is Amazon.S3.AmazonS3Exception ? "an S3" : error is Amazon.DynamoDBv2.AmazonDynamoDBException ? "a DynamoDB" : "an AWS")} call failed: {Of(error)}";

    public static string Of(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (Credentials(error) is { } credentials)
        {
            return credentials;
        }

        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            var message = e.Message.Trim();
            if (message.Length > 0 && !parts.Any(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        return string.Join(" ← ", parts);
    }

    /// <summary>
    /// The SDK's credential chain failing, in one line: the profile named (AWS_PROFILE) and its own provider's
    /// reason — the chain's message lists every provider's error, of which only that one says what is wrong.
    /// Null when <paramref name="error"/> is not that.
    /// </summary>
    public static string? Credentials(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (!error.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal))
        {
            return null;
        }

        var lines = error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reason = lines.Skip(1).FirstOrDefault(l => l.Contains("profile", StringComparison.OrdinalIgnoreCase)) ?? lines[0].TrimEnd(':');
        reason = System.Text.RegularExpressions.Regex.Replace(reason, @"^Exception \d+ of \d+: ", "").TrimEnd('.');
        var profile = Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 } name ? $" for profile '{name}'" : "";
        return $"the AWS credentials{profile} could not be resolved ({reason}): check the profile (role_arn with source_profile or credential_source; sso_session after `aws sso login`), AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or AWS_PROFILE.";
    }
}
