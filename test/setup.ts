/** Jest setup, run before every test file. */
import '../local/polyfills';

// Handlers read the region from the Lambda environment; give the AWS SDK clients one.
process.env.AWS_REGION = process.env.AWS_REGION ?? 'us-east-1';
