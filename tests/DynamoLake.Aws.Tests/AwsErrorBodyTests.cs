namespace DynamoLake.Aws.Tests;

/// <summary>AWS's error answers as both protocol families send them, read by the one parser both clients use.</summary>
public sealed class AwsErrorBodyTests
{
    [Theory]
    // JSON protocol (Kinesis, Athena, DynamoDB Streams): __type with a namespace, message in lower case.
    [InlineData("""{"__type":"com.amazonaws.kinesis#ResourceNotFoundException","message":"Stream x not found"}""", null, "ResourceNotFoundException", "Stream x not found")]
    // JSON 1.0 (DynamoDB): __type with the service's version namespace, Message capitalised.
    [InlineData("""{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","Message":"Requested resource not found"}""", null, "ResourceNotFoundException", "Requested resource not found")]
    // REST-JSON (S3 Tables, Lake Formation): the header wins, its detail after ':' dropped.
    [InlineData("""{"message":"The specified namespace does not exist."}""", "NotFoundException:http://internal.amazon.com/coral/com.amazon.s3tables/", "NotFoundException", "The specified namespace does not exist.")]
    [InlineData("""{"__type":"Other","Message":"m"}""", "aws.protocoltests#ConflictException", "ConflictException", "m")]
    // JSON without a message: the caller falls back to the text or the status.
    [InlineData("""{"__type":"ThrottlingException"}""", null, "ThrottlingException", null)]
    [InlineData("[]", null, null, null)]
    public void Parse_ReadsTheTypeAndMessage(string body, string? header, string? type, string? message)
    {
        var error = AwsErrorBody.Parse(body, header);

        Assert.True(error.IsJson);
        Assert.Equal(type, error.Type);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Parse_NotJson_IsSaidSo_WithTheHeadersType()
    {
        var error = AwsErrorBody.Parse("<html>502 Bad Gateway</html>", "InternalFailure");

        Assert.False(error.IsJson);
        Assert.Equal("InternalFailure", error.Type);
        Assert.Null(error.Message);
    }

    [Fact]
    public void JsonClientError_KeepsItsMessages_ForAnswersWithoutOne()
    {
        Assert.Equal("kinesis:ListShards failed (HTTP503): HTTP 503", AwsJsonClient.Error("kinesis:ListShards", 503, "{}", null).Message);
        Assert.Equal("kinesis:ListShards failed (HTTP502): bad gateway", AwsJsonClient.Error("kinesis:ListShards", 502, "bad gateway", null).Message);
    }
}
