// graphql-request 7's batchRequests against a live OrgGraph. Env: API_URL, TOKEN.
import { batchRequests, gql } from "graphql-request";

const { API_URL: url, TOKEN: token } = process.env;
const answers = await batchRequests({
  url,
  requestHeaders: { authorization: `Bearer ${token}` },
  documents: [
    { document: gql`query Village($code: String!) { organization(code: $code) { code name } }`, variables: { code: "QX-T01-V01" } },
    { document: gql`{ me { subject roles } }` },
  ],
});
console.log(JSON.stringify(answers.map((a) => a.data)));
