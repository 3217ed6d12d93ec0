# The gateway as a container: `docker compose up` runs it next to PostgreSQL and Redis.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .puppeteerrc.cjs ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts/generate-client.mjs ./scripts/
# Dev dependencies stay: `npm start` runs the TypeScript sources through tsx, with no build step.
RUN npm ci --no-audit --no-fund
COPY . .
# The web console's front-end (console/ → dist/console), served at /admin.
RUN npm run build:console
EXPOSE 3000
CMD ["npm", "start"]
