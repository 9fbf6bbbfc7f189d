// Four strict fakes (an OpenAI-format API, Anthropic, Gemini, Bedrock) and a gateway's models section that
// serves each as one model (gpt, claude, gemini, bedrock; `native` is the OpenAI fake's Responses API, given
// Responses requests as they are): what the Responses and AI SDK tests run against.
import { startFakeOpenAIChat } from './fake_openai_chat.mjs';
import { startFakeAnthropic } from './fake_anthropic.mjs';
import { startFakeGemini } from './fake_gemini.mjs';
import { startFakeBedrock, FAKE_CREDENTIALS, FAKE_REGION } from './fake_bedrock.mjs';

export function responsesModels(fakes) {
  return `  - name: gpt
    targets:
      - provider: openai
        model: gpt-fake
        api_base: ${fakes.openai.url}/v1
        api_key: sk-openai
  - name: native
    targets:
      - provider: openai
        model: gpt-native
        api_base: ${fakes.openai.url}/v1
        api_key: sk-openai
        responses_api: true
  - name: claude
    targets:
      - provider: anthropic
        model: claude-sonnet-4-5
        api_base: ${fakes.anthropic.url}/v1
        api_key: sk-ant-fake
  - name: gemini
    targets:
      - provider: gemini
        model: gemini-2.5-flash
        api_base: ${fakes.gemini.url}/v1beta
        api_key: AIza-fake
  - name: bedrock
    targets:
      - provider: bedrock
        model: us.anthropic.claude-3-5-sonnet-20241022-v2:0
        api_base: ${fakes.bedrock.url}
        aws_access_key_id: ${FAKE_CREDENTIALS.accessKeyId}
        aws_secret_access_key: ${FAKE_CREDENTIALS.secretAccessKey}
        aws_region: ${FAKE_REGION}
`;
}

export async function startFakes() {
  return { openai: await startFakeOpenAIChat(), anthropic: await startFakeAnthropic(), gemini: await startFakeGemini(),
    bedrock: await startFakeBedrock({ credentials: { accessKeyId: FAKE_CREDENTIALS.accessKeyId, secretAccessKey: FAKE_CREDENTIALS.secretAccessKey } }) };
}

// Each fake's replies begin with its name.
export const PREFIX = { gpt: 'openai', claude: 'anthropic', gemini: 'gemini', bedrock: 'bedrock' };
