# Joiner: one image for the API and the worker (`node dist/cli/main.js api|worker`). See docker-compose.yml.
# Three stages: the build (dev dependencies, the Entra stand-in under packages/ for its types), the production
# dependencies alone (`npm ci --omit=dev`: no stand-in, no test tools), and the runtime with only those two results.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages ./packages
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Migrations are SQL files that tsc does not copy; the store finds them at store/migrations.
COPY --from=build /app/store/migrations ./store/migrations
USER node
EXPOSE 3000 9464
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["api"]
